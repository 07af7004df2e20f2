"""Overhead per node of symreg's ATen fallback: fallback nodes run in ONNX Runtime against torch eager.

A model exported with ``symreg.export(..., fallback="python")`` keeps every call that neither the
exporter nor a symreg rule converts as a fallback node, which ``symreg.ort.InferenceSession`` runs
through onnxruntime-extensions' PyOp by calling the op in torch eager. Rows:

  affine       a torch.library custom op without a rule, ``symreg_bench::affine(x) = x * 2 + 1``, as a
               one-node model on 1, 1k, 100k and 1M float32 elements; eager calls the op
               (``torch.ops.symreg_bench.affine``) on the same tensor
  affine x10   a chain of ten such calls (ten fallback nodes), eager calls the op ten times: the cost
               per node should not depend on how many nodes the model has
  x*2+1 ONNX   the same computation in plain torch, exported as standard ONNX (Mul, Add: no fallback)
               and run in ORT, against torch's ``x * 2 + 1``: the yardstick
  ctc_loss     ``aten::ctc_loss`` (reduction "none"), which no exporter converts, at three sizes
               (T input steps, N batch, C classes, S target length); eager calls
               ``torch.ops.aten.ctc_loss.Tensor`` with the node's arguments. The dynamo exporter
               cannot trace it (the row says so)

Columns: torch eager (torch.set_num_threads(threads)), the ORT session (symreg.ort session with
intra_op_num_threads = inter_op_num_threads = threads, idle workers that do not spin), the overhead
per node ((ORT - eager) / nodes, nodes = the model's non-Constant nodes) and ORT / eager, in us,
measured in the same run. Each time is the median of --repeat calls after --warmup calls; the
columns of a row take turns (benchmarks/_timing.py), so that a busy machine slows both alike. Both
sides allocate their outputs; ORT's also copies them into NumPy arrays, as a caller of either gets.

Run: .venv/bin/python benchmarks/fallback.py                                 (TorchScript exporter)
     .venv/bin/python benchmarks/fallback.py --clock thread                  (on a busy machine)
     .venv/bin/python benchmarks/fallback.py --dynamo                        (dynamo exporter)
"""

from __future__ import annotations

import argparse
import io
import re
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime
import onnxruntime_extensions
import torch
from _timing import add_clock_option, chosen_clock, medians_ms, session

import symreg
import symreg.ort

SIZES = [1, 1_000, 100_000, 1_000_000]
CHAIN = 10
CTC_SHAPES = [(12, 2, 5, 4), (50, 16, 20, 10), (200, 32, 50, 30)]  # (T, N, C, S)


@torch.library.custom_op("symreg_bench::affine", mutates_args=())
def affine(x: torch.Tensor) -> torch.Tensor:
    return x * 2 + 1


@affine.register_fake
def _(x):
    return torch.empty_like(x)


class Affine(torch.nn.Module):
    def __init__(self, calls: int):
        super().__init__()
        self.calls = calls

    def forward(self, x):
        for _ in range(self.calls):
            x = torch.ops.symreg_bench.affine(x)
        return x


class PlainAffine(torch.nn.Module):
    def forward(self, x):
        return x * 2 + 1


class Ctc(torch.nn.Module):
    def forward(self, lp, tg, il, tl):
        return torch.nn.functional.ctc_loss(lp, tg, il, tl, reduction="none", blank=0)


@dataclass
class Row:
    name: str
    size: str
    eager: Callable[[], object]
    model: bytes
    feeds: dict[str, np.ndarray]
    nodes: int  # non-Constant nodes: what the overhead is divided by
    note: str


def export(model: torch.nn.Module, args: tuple[torch.Tensor, ...], dynamo: bool) -> bytes:
    """``model`` exported with symreg.export and fallback="python" (TorchScript opset 17, dynamo opset 18)."""
    names = [f"in{i}" for i in range(len(args))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            program = symreg.export(model.eval(), args, opset_version=18, dynamo=True, fallback="python", verbose=False)
            return program.model_proto.SerializeToString()
        buffer = io.BytesIO()
        symreg.export(model.eval(), args, buffer, opset_version=17, fallback="python", input_names=names)
        return buffer.getvalue()


def node_counts(model: bytes) -> Counter:
    graph = onnx.load_from_string(model).graph
    return Counter((f"{n.domain}::" if n.domain else "") + n.op_type for n in graph.node if n.op_type != "Constant")


def feeds_of(model: bytes, args: tuple[torch.Tensor, ...]) -> dict[str, np.ndarray]:
    inputs = [i.name for i in onnx.load_from_string(model).graph.input]
    return {name: a.numpy() for name, a in zip(inputs, args)}


def row(name: str, size: str, eager: Callable, module: torch.nn.Module, args: tuple, dynamo: bool) -> Row | str:
    try:
        model = export(module, args, dynamo)
    except Exception as e:  # noqa: BLE001 - a row that does not export is reported, not fatal
        cause = e
        while cause.__cause__ is not None:  # torch.export's own reason, under the exporter's wrapping
            cause = cause.__cause__
        message = re.sub(r"\x1b\[[0-9;]*m", "", str(cause)).splitlines()[0][:150]  # without terminal colours
        return f"{name} {size}: not exported ({type(cause).__name__}: {message})"
    counts = node_counts(model)
    note = ", ".join(op + (f" x{c}" if c > 1 else "") for op, c in counts.most_common())
    return Row(name, size, eager, model, feeds_of(model, args), sum(counts.values()), note)


def affine_rows(dynamo: bool) -> list[Row | str]:
    rows: list[Row | str] = []
    for n in SIZES:
        x = torch.from_numpy(np.random.default_rng(n).standard_normal(n).astype(np.float32))
        size = f"{n:,}"

        def chain(x=x):
            for _ in range(CHAIN):
                x = torch.ops.symreg_bench.affine(x)
            return x

        rows += [
            row("x*2+1 ONNX", size, lambda x=x: x * 2 + 1, PlainAffine(), (x,), dynamo),
            row("affine", size, lambda x=x: torch.ops.symreg_bench.affine(x), Affine(1), (x,), dynamo),
            row(f"affine x{CHAIN}", size, chain, Affine(CHAIN), (x,), dynamo),
        ]
    return rows


def ctc_rows(dynamo: bool) -> list[Row | str]:
    rows: list[Row | str] = []
    for t, n, c, s in CTC_SHAPES:
        gen = torch.Generator().manual_seed(t)
        lp = torch.randn(t, n, c, generator=gen).log_softmax(2)
        tg = torch.randint(1, c, (n, s), generator=gen)
        il = torch.full((n,), t, dtype=torch.long)
        tl = torch.randint(1, s + 1, (n,), generator=gen)
        args = (lp, tg, il, tl)
        eager = lambda args=args: torch.ops.aten.ctc_loss.Tensor(*args, 0, 0, False)  # noqa: E731 - blank, none
        rows.append(row("ctc_loss", f"T={t} N={n} C={c} S={s}", eager, Ctc(), args, dynamo))
    return rows


def time_row(r: Row, threads: int, warmup: int, repeat: int, clock: Callable[[], float]) -> dict[str, float] | str:
    """The row's median times (ms), or why ORT cannot run its model."""
    torch.set_num_threads(threads)
    sess = session(r.model, threads, quiet=True)
    try:
        got = sess.run(None, r.feeds)
    except Exception as e:  # noqa: BLE001 - reported in the table
        return f"ORT fails: {str(e).splitlines()[0][:150]}"

    def eager():
        with torch.inference_mode():
            return r.eager()

    want = eager()
    if not np.allclose(got[0], want.numpy(), rtol=1e-5, atol=1e-5):
        return "ORT's output differs from eager"
    return medians_ms({"eager": eager, "ort": lambda: sess.run(None, r.feeds)}, warmup, repeat, clock)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=201)
    parser.add_argument("--dynamo", action="store_true", help="export with the dynamo exporter (TorchScript's else)")
    add_clock_option(parser)
    args = parser.parse_args()
    clock = chosen_clock(parser, args)

    print(
        f"torch {torch.__version__}, onnxruntime {onnxruntime.__version__}, onnxruntime-extensions "
        f"{onnxruntime_extensions.__version__}, exporter {'dynamo' if args.dynamo else 'TorchScript'}, "
        f"clock {args.clock}, repeat {args.repeat}"
    )
    rows: list[Row] = []
    for r in affine_rows(args.dynamo) + ctc_rows(args.dynamo):
        if isinstance(r, str):
            print(f"skipped: {r}")
        else:
            rows.append(r)
    print(
        "\n| threads | op | elements | eager (us) | ORT (us) | overhead per node (us) | ORT/eager | ORT runs |"
        "\n|---:|---|---|---:|---:|---:|---:|---|"
    )
    for threads in args.threads:
        for r in rows:
            t = time_row(r, threads, args.warmup, args.repeat, clock)
            if isinstance(t, str):
                print(f"| {threads} | {r.name} | {r.size} | | | | | {t}; {r.note} |", flush=True)
                continue
            eager, ort = t["eager"] * 1e3, t["ort"] * 1e3
            print(f"| {threads} | {r.name} | {r.size} | {eager:.1f} | {ort:.1f} | {(ort - eager) / r.nodes:.1f} | "
                  f"{ort / eager:.2f} | {r.note} |", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
