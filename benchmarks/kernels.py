"""Speed of symreg's native kernels in ONNX Runtime against torch eager on the same data.

Three groups of rows, each timed at 1 and 2 threads:

  special   each elementwise kernel of libsymreg_ort.so (symreg::Erfinv and the special
            functions of csrc/kernels/special/special_ops.def) as a one-node model on 4M
            float32 values, against the torch function it implements; plus ORT's own ONNX
            Erf against torch.erf, a yardstick of a vectorised elementwise op in ORT
  linalg    torch.linalg.solve, inv, cholesky, qr, eigh, svd exported with symreg.export
            (TorchScript, opset 17) on a batch of 4096 8x8 matrices and of 16 256x256 ones
  sorting   sort, argsort, topk, cumsum, cumprod, cummax, cummin, logcumsumexp, median, kthvalue,
            mode along the last dim of a (64, 100000) float32 tensor, exported the same way;
            an op that does not export today is skipped with a note. Each row exports with the
            op's default lowering, "cumsum (custom)" with its opt-in one (symreg::Cumsum)

Columns: torch eager (torch.set_num_threads(threads)), the ORT model (symreg.ort session with
intra_op_num_threads = inter_op_num_threads = threads, idle workers that do not spin), and
ORT / torch (< 1: ORT faster), measured in the same run. Each time is the median of --repeat
calls after --warmup calls; the columns of a row take turns, each turn making two untimed calls
and then timing BLOCK calls in a row (as benchmarks/deform_conv.py does), so that a busy machine
slows both alike. Both sides allocate their outputs, as a caller of either would.

Run: .venv/bin/python benchmarks/kernels.py                                  (after `make install`)
     .venv/bin/python benchmarks/kernels.py --threads 1 --clock thread       (on a busy machine)
     .venv/bin/python benchmarks/kernels.py --ops Erfinv Erf svd --threads 1 (rows by name)
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime
import torch
from _timing import add_clock_option, chosen_clock, medians_ms, session
from onnx import TensorProto, helper

import symreg
import symreg.ort
from symreg import _kernels
from symreg.ops.special import BINARY, UNARY

ELEMENTS = 4 * 1024 * 1024
SORT_SHAPE = (64, 100_000)
MATRICES = [(4096, 8), (16, 256)]  # (batch, n): n x n matrices

clock = time.perf_counter


@dataclass
class Row:
    group: str
    name: str
    torch_fn: Callable[[], object]
    model: bytes
    feeds: dict[str, np.ndarray]
    note: str = ""


# --- special functions: one-node models --------------------------------------------------


def _one_node(op_type: str, domain: str, inputs: dict[str, np.ndarray]) -> bytes:
    """y = op(*inputs) as an ONNX model, float32, dims named (dynamic)."""
    graph_inputs = [
        helper.make_tensor_value_info(k, TensorProto.FLOAT, [f"{k}_{d}" for d in range(v.ndim)])
        for k, v in inputs.items()
    ]
    output = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    node = helper.make_node(op_type, list(inputs), ["y"], domain=domain)
    graph = helper.make_graph([node], op_type, graph_inputs, [output])
    opsets = [helper.make_opsetid("", 17)] + ([helper.make_opsetid(domain, 1)] if domain else [])
    return helper.make_model(graph, opset_imports=opsets, ir_version=10).SerializeToString()


def _uniform(low: float, high: float, seed: int, shape=(ELEMENTS,)) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, shape).astype(np.float32)


# The first input's range per kernel: where the function is defined and interesting; (0.01, 20) otherwise.
UNARY_RANGE = {"Ndtri": (0.0, 1.0), "AiryAi": (-10.0, 10.0), "Digamma": (-10.0, 20.0), "Lgamma": (-10.0, 20.0)}
BINARY_INPUTS = {  # kernel: (first input's range, second input's range); polynomials take a 0-d degree
    "Igamma": ((0.5, 10.0), (0.0, 10.0)),
    "Igammac": ((0.5, 10.0), (0.0, 10.0)),
    "Nextafter": ((-1.0, 1.0), (-1.0, 1.0)),
    "Zeta": ((1.5, 10.0), (0.5, 5.0)),
}
POLYNOMIAL_DEGREE = 6.0


def special_rows() -> list[Row]:
    x = _uniform(-1.0, 1.0, 0)
    rows = [
        Row("special", "Erfinv", lambda: torch.erfinv(torch.from_numpy(x)), _one_node("Erfinv", "symreg", {"x": x}),
            {"x": x}),
        Row("special", "Erf (ONNX)", lambda: torch.erf(torch.from_numpy(x)), _one_node("Erf", "", {"x": x}), {"x": x},
            "ORT's own kernel: the yardstick"),
    ]  # fmt: skip
    for names, kernel in sorted(UNARY.items(), key=lambda item: item[1]):
        fn = getattr(torch.ops.aten, names[0].split("::")[1])
        v = _uniform(*UNARY_RANGE.get(kernel, (0.01, 20.0)), 1)
        rows.append(Row("special", kernel, lambda fn=fn, v=v: fn(torch.from_numpy(v)),
                        _one_node(kernel, "symreg", {"x": v}), {"x": v}))  # fmt: skip
    for names, (kernel, first, second) in sorted(BINARY.items(), key=lambda item: item[1][0]):
        fn = getattr(torch.ops.aten, names[0].split("::")[1])
        if kernel in BINARY_INPUTS:
            (lo_a, hi_a), (lo_b, hi_b) = BINARY_INPUTS[kernel]
            a, b, note = _uniform(lo_a, hi_a, 2), _uniform(lo_b, hi_b, 3), ""
        else:
            a, b = _uniform(-1.0, 1.0, 2), np.array(POLYNOMIAL_DEGREE, np.float32)
            note = f"degree n = {POLYNOMIAL_DEGREE:g} (0-d)"
        feeds = {first.lower(): a, second.lower(): b}
        rows.append(Row("special", kernel, lambda fn=fn, a=a, b=b: fn(torch.from_numpy(a), torch.from_numpy(b)),
                        _one_node(kernel, "symreg", feeds), feeds, note))  # fmt: skip
    return rows


# --- exported ops: linear algebra and sorting ---------------------------------------------


class Call(torch.nn.Module):
    def __init__(self, fn: Callable):
        super().__init__()
        self.fn = fn

    def forward(self, *args):
        return self.fn(*args)


def exported(fn: Callable, args: tuple[torch.Tensor, ...], lowerings: dict[str, str] | None = None) -> bytes:
    """``fn`` exported with symreg.export (TorchScript exporter, opset 17), ``lowerings`` forced."""
    buffer = io.BytesIO()
    names = [f"in{i}" for i in range(len(args))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        symreg.export(
            Call(fn).eval(), args, buffer, opset_version=17, dynamo=False, input_names=names, lowerings=lowerings
        )
    return buffer.getvalue()


def nodes(model: bytes) -> str:
    """The model's node types, most frequent first: what ORT runs."""
    counts = Counter((f"{n.domain}::" if n.domain else "") + n.op_type for n in onnx.load_from_string(model).graph.node)
    return ", ".join(f"{op}" + (f" x{c}" if c > 1 else "") for op, c in counts.most_common())


def _exported_row(
    group: str, name: str, fn: Callable, args: tuple[torch.Tensor, ...], lowerings: dict[str, str] | None = None
) -> Row | str:
    try:
        model = exported(fn, args, lowerings)
    except Exception as e:  # noqa: BLE001 - a row that does not export is reported, not fatal
        return f"{name}: not exported ({type(e).__name__}: {str(e).splitlines()[0][:150]})"
    feeds = {f"in{i}": a.numpy() for i, a in enumerate(args)}
    return Row(group, name, lambda: fn(*args), model, feeds, nodes(model))


def _matrices(batch: int, n: int, spd: bool, seed: int) -> torch.Tensor:
    """Well-conditioned matrices: random plus n on the diagonal, or A A^T + n I (symmetric positive definite)."""
    a = torch.from_numpy(np.random.default_rng(seed).standard_normal((batch, n, n)).astype(np.float32))
    eye = n * torch.eye(n)
    return a @ a.mT + eye if spd else a + eye


LINALG = {  # name: (fn, symmetric positive definite input, with a right-hand side)
    "solve": (torch.linalg.solve, False, True),
    "inv": (torch.linalg.inv, False, False),
    "cholesky": (torch.linalg.cholesky, True, False),
    "qr": (torch.linalg.qr, False, False),
    "eigh": (torch.linalg.eigh, True, False),
    "svd": (lambda a: torch.linalg.svd(a, full_matrices=False), False, False),
}


def linalg_rows() -> list[Row | str]:
    rows: list[Row | str] = []
    for batch, n in MATRICES:
        for name, (fn, spd, rhs) in LINALG.items():
            a = _matrices(batch, n, spd, 4)
            args = (a, torch.from_numpy(np.random.default_rng(5).standard_normal((batch, n, 1)).astype(np.float32)))
            rows.append(_exported_row("linalg", f"{name} {batch}x{n}x{n}", fn, args if rhs else (a,)))
    return rows


SORTING = {  # name: (fn, input)
    "sort": (lambda x: torch.sort(x, dim=-1), "normal"),
    "argsort": (lambda x: torch.argsort(x, dim=-1), "normal"),
    "topk k=100": (lambda x: torch.topk(x, 100, dim=-1), "normal"),
    "cumsum": (lambda x: torch.cumsum(x, dim=-1), "normal"),
    "cumsum (custom)": (lambda x: torch.cumsum(x, dim=-1), "normal"),
    "cumprod": (lambda x: torch.cumprod(x, dim=-1), "near one"),
    "cummax": (lambda x: torch.cummax(x, dim=-1), "normal"),
    "cummin": (lambda x: torch.cummin(x, dim=-1), "normal"),
    "logcumsumexp": (lambda x: torch.logcumsumexp(x, dim=-1), "normal"),
    "median dim": (lambda x: torch.median(x, dim=-1), "normal"),
    "kthvalue k=1000": (lambda x: torch.kthvalue(x, 1000, dim=-1), "normal"),
    "mode": (lambda x: torch.mode(x, dim=-1), "integers"),
}
SORTING_LOWERINGS = {"cumsum (custom)": {"aten::cumsum": "custom"}}  # rows that force a lowering: name: lowerings


def sorting_rows() -> list[Row | str]:
    rng = np.random.default_rng(6)
    data = {
        "normal": rng.standard_normal(SORT_SHAPE).astype(np.float32),
        "near one": rng.uniform(0.9999, 1.0001, SORT_SHAPE).astype(np.float32),
        "integers": rng.integers(0, 100, SORT_SHAPE).astype(np.float32),  # mode needs repeats
    }
    return [
        _exported_row("sorting", name, fn, (torch.from_numpy(data[kind]),), SORTING_LOWERINGS.get(name))
        for name, (fn, kind) in SORTING.items()
    ]


# --- timing -----------------------------------------------------------------------------


def time_row(row: Row, threads: int, warmup: int, repeat: int) -> dict[str, float] | str:
    """The row's median times, or why ORT cannot run its model."""
    torch.set_num_threads(threads)
    sess = session(row.model, threads, quiet=True)
    try:
        sess.run(None, row.feeds)
    except Exception as e:  # noqa: BLE001 - e.g. a lowering whose intermediates do not fit in memory
        message = str(e).replace("\n", " ")
        return f"ORT fails: {message[:60]} ... {message[-80:]}" if len(message) > 150 else f"ORT fails: {message}"

    def torch_eager():
        with torch.inference_mode():
            row.torch_fn()

    try:
        torch_eager()
    except Exception as e:  # noqa: BLE001 - torch's own failure (e.g. MKL's batched solve at 2 threads here)
        return f"torch fails: {str(e).splitlines()[0][:150]}"

    return medians_ms({"torch": torch_eager, "ort": lambda: sess.run(None, row.feeds)}, warmup, repeat, clock)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--groups", nargs="+", choices=["special", "linalg", "sorting"],
                        default=["special", "linalg", "sorting"])  # fmt: skip
    parser.add_argument("--ops", nargs="+", metavar="PATTERN",
                        help="only the rows whose name matches one of these (case-insensitive; shell wildcards, e.g. "
                        "'Bessel*' 'svd*'); a pattern without wildcards matches names starting with it")  # fmt: skip
    add_clock_option(parser)
    args = parser.parse_args()
    global clock
    clock = chosen_clock(parser, args)

    def wanted(name: str) -> bool:
        if not args.ops:
            return True
        patterns = [p if any(c in p for c in "*?[") else p + "*" for p in args.ops]
        return any(fnmatch.fnmatch(name.lower(), p.lower()) for p in patterns)

    print(
        f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, symreg kernels {_kernels.cpu_isa()}, "
        f"clock {args.clock}"
    )
    builders = {"special": special_rows, "linalg": linalg_rows, "sorting": sorting_rows}
    rows: list[Row] = []
    for group in args.groups:
        for row in builders[group]():
            if isinstance(row, str):
                if wanted(row.split(":")[0]):
                    print(f"skipped: {row}")
            elif wanted(row.name):
                rows.append(row)
    print("\n| threads | group | op | torch (ms) | ORT (ms) | ORT/torch | notes |\n|---:|---|---|---:|---:|---:|---|")
    for threads in args.threads:
        for row in rows:
            t = time_row(row, threads, args.warmup, args.repeat)
            if isinstance(t, str):
                print(f"| {threads} | {row.group} | {row.name} | | | | {t}; {row.note} |", flush=True)
                continue
            print(f"| {threads} | {row.group} | {row.name} | {t['torch']:.2f} | {t['ort']:.2f} | "
                  f"{t['ort'] / t['torch']:.2f} | {row.note} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
