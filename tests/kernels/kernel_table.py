"""The kernel table: one entry per native kernel of libsymreg_ort.so; tests/kernels/test_kernel_table.py runs them.

An entry gives the kernel's pybind function (``symreg._kernels``), a reference (torch), its
calls per dtype (edge values, shapes including empty and 0-d where legal, non-contiguous
inputs), and a tolerance per dtype. Every call runs through the pybind function and through a
one-node ONNX Runtime model, at 1 and 2 threads. Tests of one kernel's own features (ISA
builds, packed weights, hypothesis properties, error messages) live in test_<op>_*.py.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from deform_conv2d_cases import CASES, Case, inputs, reference_onnx

from symreg import _kernels

Arrays = tuple[np.ndarray | None, ...]  # a kernel's inputs in the op's order; None: an omitted optional input


@dataclasses.dataclass(frozen=True)
class Call:
    """One call of a kernel: ``make()`` builds its inputs (lazily: some grids are large), ``attrs`` its attributes.

    ``scale``: the magnitude of the values, by which the tolerance's atol is multiplied.
    ``ort_xfail``: why ONNX Runtime is expected to get this call wrong (None: it must not).
    """

    name: str
    make: Callable[[], Arrays]
    attrs: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    scale: float = 1.0
    ort_xfail: str | None = None


@dataclasses.dataclass(frozen=True, eq=False)
class KernelEntry:
    """A native kernel: ``pybind(*inputs, **attrs)`` and a one-node ORT model of ``op`` must match ``reference``."""

    op: str
    pybind: Callable[..., np.ndarray]
    reference: Callable[..., np.ndarray]  # (*inputs, **attrs); may compute in a wider dtype (float64 truth)
    calls: Callable[[type], Sequence[Call]]
    tolerance: Mapping[type, tuple[float, float]]  # dtype -> (rtol, atol)
    threads_call: Call  # a call large enough to split across threads: results must not depend on their number
    pybind_threads: bool = False  # the pybind function takes threads=
    refused: tuple = ()  # dtypes the kernel refuses
    refused_message: str = ""  # regular expression of pybind's TypeError for them
    signed_zeros: bool = False  # the reference's zeros are exact, sign included
    dtypes: tuple[type, ...] = (np.float32, np.float64)
    # The node's outputs where it declares several: each one's dtype, None for the input's; pybind and the
    # reference then return a tuple. None: one output of the input's dtype.
    outputs: tuple | None = None


def _symmetric(values) -> np.ndarray:
    return np.concatenate([values, -np.asarray(values)])


def _uniform(shape, dtype, low=-1.0, high=1.0, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, high, size=shape).astype(dtype)


#: Views of a 2-D array that are not C-contiguous (or not native or writeable); the values are the view's.
LAYOUTS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "transposed": lambda a: a.T,
    "strided": lambda a: a[::2, ::3],
    "reversed": lambda a: a[::-1],
    "fortran": np.asfortranarray,
    "readonly": lambda a: np.lib.stride_tricks.as_strided(a, writeable=False),
    "big-endian": lambda a: a.astype(a.dtype.newbyteorder(">")),
}
# ORT's Python binding reads a big-endian array's bytes as native ones (onnxruntime 1.32), so
# sessions compute on garbage; symreg.ort does not convert them either.
_BIG_ENDIAN_IN_ORT = "onnxruntime reads big-endian numpy arrays as native-endian: the kernel sees garbage"


# --- symreg::Erfinv -----------------------------------------------------------------------


def erfinv_reference(x: np.ndarray) -> np.ndarray:
    """torch.erfinv evaluated in float64."""
    return torch.erfinv(torch.from_numpy(x.astype(np.float64))).numpy()


def erfinv_edges(dtype) -> np.ndarray:
    """0, subnormals, the smallest normal, 1 - ulp, ±1, 1 + ulp, 1.5, max, ±inf (both signs) and NaN."""
    f = np.finfo(dtype)
    sub = f.smallest_subnormal
    values = [0.0, sub, 3 * sub, f.tiny, 1e-10, 0.5, 1 - f.epsneg, 1.0, 1 + f.eps, 1.5, f.max, np.inf]
    return np.append(_symmetric(np.array(values, dtype)), np.array(np.nan, dtype))


def erfinv_float32_grid() -> np.ndarray:
    """Every float32 in [0.5, 1), every 1009th below 0.5 down to subnormals; both signs."""
    upper = np.arange(np.float32(0.5).view(np.int32), np.float32(1.0).view(np.int32), dtype=np.int32)
    lower = np.arange(1, np.float32(0.5).view(np.int32), 1009, dtype=np.int32)
    return _symmetric(np.concatenate([lower, upper]).view(np.float32))


def erfinv_float64_grid() -> np.ndarray:
    """Linear over (-1, 1), log-spaced towards 0 (subnormals too) and towards ±1, the last doubles below 1."""
    tiny = np.finfo(np.float64).smallest_subnormal
    x = np.concatenate(
        [
            np.linspace(0, 1, 2_000_001)[1:-1],
            np.logspace(-323, -1, 200_001),
            1 - np.logspace(-16, -1, 200_001),
            1 - np.arange(1, 5_000) * 2.0**-53,
            [tiny, 2 * tiny, 1e-310, np.finfo(np.float64).tiny, 1e-300, 1e-10, 1e-8, 1e-8 * (1 + 2**-52), 0.5],
        ]
    )
    return _symmetric(x[(x > 0) & (x < 1)])


ERFINV_SHAPES = [(), (0,), (3, 0, 2), (1,), (7,), (2, 3, 4), (5000, 3)]


def erfinv_calls(dtype) -> list[Call]:
    grid = {np.float32: erfinv_float32_grid, np.float64: erfinv_float64_grid}[dtype]
    calls = [Call("edges", lambda: (erfinv_edges(dtype),)), Call("dense-grid", lambda: (grid(),))]
    calls += [Call(f"shape{list(s)}", lambda s=s: (_uniform(s, dtype),)) for s in ERFINV_SHAPES]
    for name, view in LAYOUTS.items():
        ort_xfail = _BIG_ENDIAN_IN_ORT if name == "big-endian" else None
        calls.append(Call(name, lambda view=view: (view(_uniform((8, 9), dtype)),), ort_xfail=ort_xfail))
    return calls


ERFINV = KernelEntry(
    op="symreg::Erfinv",
    pybind=_kernels.erfinv,
    reference=erfinv_reference,
    calls=erfinv_calls,
    # relative to float64 truth; subnormal results carry fewer significant bits: there one subnormal step
    tolerance={
        np.float32: (1e-6, np.finfo(np.float32).smallest_subnormal),
        np.float64: (1e-12, np.finfo(np.float64).smallest_subnormal),
    },
    threads_call=Call("250000", lambda: (_uniform((250_000,), np.float32),)),
    refused=(np.float16, np.int32, np.int64, np.bool_, np.complex64, np.complex128, object),
    refused_message=r"symreg\._kernels\.erfinv: expected a float32 or float64 array, got dtype",
    signed_zeros=True,
)


# --- symreg::DeformConv2d -------------------------------------------------------------------

DEFORM_INPUTS = ("x", "weight", "offset", "mask", "bias")  # the op's input order: mask before B


def _deform_call(name: str, case: Case, dtype, edit: Callable[[dict], None] | None = None, **kwargs) -> Call:
    """``case``'s inputs (tests/deform_conv2d_cases.py), changed in place by ``edit``."""

    def make() -> Arrays:
        args = inputs(case, dtype)
        if edit is not None:
            edit(args)
        return tuple(args[n] for n in DEFORM_INPUTS)

    return Call(name, make, case.attrs, **kwargs)


def _fill(name: str, values) -> Callable[[dict], None]:
    """An edit setting input ``name`` to ``values``, repeated over its elements."""

    def edit(args: dict) -> None:
        a = args[name]
        a[...] = np.resize(np.asarray(values, a.dtype), a.shape)

    return edit


def _views(view: Callable[[np.ndarray], np.ndarray]) -> Callable[[dict], None]:
    def edit(args: dict) -> None:
        for k, v in args.items():
            if v is not None:
                args[k] = view(v)

    return edit


def _strided(a: np.ndarray) -> np.ndarray:
    """``a``'s values as a view with stride 2 in the last dim."""
    wide = np.zeros((*a.shape[:-1], 2 * a.shape[-1]), a.dtype)
    wide[..., ::2] = a
    return wide[..., ::2]


def deform_conv2d_calls(dtype) -> list[Call]:
    f = np.finfo(dtype)
    huge = 1e30 if dtype == np.float32 else 1e200
    base = Case((1, 4, 7, 7), 6, group=2, offset_group=2, pads=(1, 1, 1, 1))
    calls = [_deform_call(str(case), case, dtype) for case in CASES]  # empty batch among them
    calls += [
        _deform_call("x-0-1-subnormal-tiny", base, dtype, _fill("x", _symmetric([0, 1, f.smallest_subnormal, f.tiny]))),
        _deform_call("x-huge", base, dtype, _fill("x", _symmetric([huge, huge / 3])), scale=huge),
        _deform_call("offsets-0", base, dtype, _fill("offset", [0.0])),  # a plain convolution
        _deform_call("offsets-whole-pixels", base, dtype, _fill("offset", [-3, -1, 0, 1, 2, 3])),
        # half pixels, the image's edge, and far enough (±8 on a 7 x 7 image) to sample only zeros
        _deform_call("offsets-halves-and-outside", base, dtype, _fill("offset", _symmetric([0.5, 1, 7.5, 8]))),
        _deform_call("offsets-far-finite", base, dtype, _fill("offset", _symmetric([huge]))),
        _deform_call("mask-0-1-subnormal", base, dtype, _fill("mask", [0, 1, f.smallest_subnormal, f.tiny])),
        _deform_call("fortran", base, dtype, _views(np.asfortranarray)),
        _deform_call("reversed", base, dtype, _views(lambda a: a[..., ::-1])),
        _deform_call("strided", base, dtype, _views(_strided)),
    ]
    return calls


def deform_conv2d_pybind(*args, threads: int = 1, **attrs) -> np.ndarray:
    return _kernels.deform_conv2d(*args, **attrs, threads=threads)


_THREADS_CASE = Case((2, 16, 20, 13), 32, group=2, offset_group=4, pads=(1, 1, 1, 1), offset_scale=5.0)

DEFORM_CONV2D = KernelEntry(
    op="symreg::DeformConv2d",
    pybind=deform_conv2d_pybind,
    reference=reference_onnx,
    calls=deform_conv2d_calls,
    tolerance={np.float32: (0.0, 1e-4), np.float64: (0.0, 1e-10)},  # max abs error vs torchvision, same dtype
    threads_call=_deform_call("threads", _THREADS_CASE, np.float32),
    pybind_threads=True,
    refused=(np.float16, np.int32),
    refused_message="float32 or float64",
)

KERNELS: tuple[KernelEntry, ...] = (DEFORM_CONV2D, ERFINV)


# --- the special functions (symreg::Digamma, symreg::Zeta, ...; csrc/kernels/special/special_ops.def) ----------
#
# Reference: torch's own function in the same dtype. The kernels run torch's code (torch_math.h): bit for
# bit where this process's torch and symreg run the same kind of build, a few ulp apart where their
# compilers fused different multiply-adds (igamma, bessel_y1); float32 lgamma is symreg's SIMD kernel (within
# 1 ulp of the truth, tests/kernels/test_lgamma.py) against SLEEF's (up to 4.7e-7 off near the negative zeros).
SPECIAL_TOLERANCE = {np.float32: (1e-6, 1e-6), np.float64: (1e-12, 1e-15)}
SPECIAL_SHAPES = [(), (0,), (3, 0, 2), (1,), (7,), (2, 3, 4)]
#: Binary shapes: equal, broadcast both ways, 0-d against n-d, empty against broadcast.
SPECIAL_PAIRS = [
    ((), ()),
    ((5,), (5,)),
    ((3, 1), (4,)),
    ((), (2, 3)),
    ((2, 1, 4), (3, 1)),
    ((0, 3), (3,)),
    ((4, 1), (1, 0)),
]


def _special_values(kernel: str, dtype) -> np.ndarray:
    """Values of the op's domain: its own points (poles, branch switches) and NaN, ±inf, ±0, extremes, subnormals."""
    f = np.finfo(dtype)
    points = {"Ndtri": [0.0, 1e-30, 0.1353, 0.5, 0.8647, 1 - 1e-7, 1.0, 1.5, -0.5]}.get(
        kernel, [-100.5, -3.0, -2.5, -1.0, -0.5, 1e-30, 0.5, 1.0, 2.0, 5.0, 8.0, 10.0, 25.0, 90.0, 710.0]
    )
    extremes = [0.0, -0.0, f.smallest_subnormal, f.tiny, f.max, -f.max, np.inf, -np.inf, np.nan]
    with np.errstate(over="ignore"):
        return np.array([*points, *extremes], dtype=np.float64).astype(dtype)


def _special_uniform(shape, dtype, kernel: str, seed: int) -> np.ndarray:
    """Values where the op is interesting: (0, 1) for ndtri, small degrees for the polynomials, else (-10, 30)."""
    low, high = {"Ndtri": (0.0, 1.0)}.get(kernel, (-10.0, 30.0))
    return _uniform(shape, dtype, low, high, seed)


def _special_degrees(shape, dtype, seed: int) -> np.ndarray:
    """Polynomial degrees: integers -2 ... 30 and a few halves."""
    rng = np.random.default_rng(seed)
    degrees = rng.integers(-2, 31, size=shape) + rng.choice([0.0, 0.5], size=shape, p=[0.8, 0.2])
    return np.asarray(degrees, dtype=dtype)  # an array also for shape (), where numpy gives a scalar


def _special_calls(kernel: str, arity: int, polynomial: bool):
    def calls(dtype) -> list[Call]:
        found = []
        values = _special_values(kernel, dtype)
        if arity == 1:
            found.append(Call("edges", lambda: (values,)))
            found += [
                Call(f"shape{list(s)}", lambda s=s: (_special_uniform(s, dtype, kernel, 0),)) for s in SPECIAL_SHAPES
            ]
            for name, view in LAYOUTS.items():
                xfail = _BIG_ENDIAN_IN_ORT if name == "big-endian" else None
                found.append(
                    Call(name, lambda v=view: (v(_special_uniform((8, 9), dtype, kernel, 1)),), ort_xfail=xfail)
                )
            return found
        second = (
            values
            if not polynomial
            else np.array([-2, -0.5, 0, 1, 2, 2.5, 7, 9, 129, 513, 1e20, np.inf, np.nan], dtype)
        )
        found.append(Call("edges-grid", lambda: (values.reshape(-1, 1), second)))  # every pair: broadcast
        for sa, sb in SPECIAL_PAIRS:
            make_b = (
                (lambda s: _special_degrees(s, dtype, 3))
                if polynomial
                else (lambda s: _special_uniform(s, dtype, kernel, 3))
            )
            found.append(
                Call(
                    f"shapes{list(sa)}x{list(sb)}",
                    lambda sa=sa, sb=sb, mb=make_b: (
                        _uniform(sa, dtype, -2.0, 2.0, 2) if polynomial else _special_uniform(sa, dtype, kernel, 2),
                        mb(sb),
                    ),
                )
            )
        for name, view in LAYOUTS.items():
            xfail = _BIG_ENDIAN_IN_ORT if name == "big-endian" else None
            found.append(Call(name, lambda v=view: (
                v(_uniform((8, 9), dtype, -2.0, 2.0, 4)), v(_special_degrees((8, 9), dtype, 5) if polynomial
                                                          else _special_uniform((8, 9), dtype, kernel, 5))),
                ort_xfail=xfail))  # fmt: skip
        return found

    return calls


def _special_reference(torch_op: str) -> Callable[..., np.ndarray]:
    fn = getattr(torch.ops.aten, torch_op)

    def reference(*arrays: np.ndarray) -> np.ndarray:
        # np.array, not np.ascontiguousarray (which makes 0-d arrays 1-d); native byte order for torch
        native = [torch.from_numpy(np.array(a, dtype=a.dtype.newbyteorder("="), order="C")) for a in arrays]
        return fn(*native).numpy()

    return reference


def _special_entries() -> tuple[KernelEntry, ...]:
    from symreg.ops.special import BINARY, UNARY

    kernels = [(names, kernel, 1) for names, kernel in UNARY.items()]
    kernels += [(names, spec[0], 2) for names, spec in BINARY.items()]
    entries = []
    for names, kernel, arity in sorted(kernels, key=lambda k: k[1]):
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", kernel).lower()  # BesselJ0 -> bessel_j0, as special_ops.def spells it
        pybind_name = getattr(_kernels, snake)
        polynomial = "Polynomial" in kernel
        message = "a float32 or float64 array" if arity == 1 else "two float32 or two float64 arrays"
        size = (250_000,) if not polynomial else (50_000,)
        threads_call = Call("threads", lambda a=arity, s=size, k=kernel: tuple(
            _special_uniform(s, np.float32, k, 7 + i) for i in range(a)))  # fmt: skip
        entries.append(
            KernelEntry(
                op=f"symreg::{kernel}",
                pybind=pybind_name,
                reference=_special_reference(names[0].split("::")[1]),
                calls=_special_calls(kernel, arity, polynomial),
                tolerance=SPECIAL_TOLERANCE,
                threads_call=threads_call,
                refused=(np.float16, np.int32, np.int64, np.bool_, np.complex64, object),
                refused_message=rf"symreg\._kernels\.{snake}: expected {message}, got dtype",
                signed_zeros=True,
            )
        )
    return tuple(entries)


SPECIALS: tuple[KernelEntry, ...] = _special_entries()


# --- symreg::Linalg* ------------------------------------------------------------------------
# Their entries are in tests/kernels/linalg_kernel_cases.py and ldl_kernel_cases.py (LDL^T), which build on Call
# and KernelEntry above.
from ldl_kernel_cases import LDL_KERNELS  # noqa: E402
from linalg_kernel_cases import LINALG_KERNELS  # noqa: E402

# --- symreg::Cummax, Cummin, Cumprod, LogCumSumExp, Mode: tests/kernels/scans_kernel_cases.py ----------------
from scans_kernel_cases import SCAN_KERNELS  # noqa: E402

KERNELS = (*KERNELS, *SPECIALS, *LINALG_KERNELS, *LDL_KERNELS, *SCAN_KERNELS)
