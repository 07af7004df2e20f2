"""Op-table entries of symreg/ops/special.py, in name order: the ops lowered to standard ONNX ops
(``ENTRIES`` as written out), then those run by symreg's C++ kernels (``KERNEL_ENTRIES``).

Besides OpInfo's samples, each entry runs an edge grid: NaN, ±inf, ±0 (``unary_edges``), the
points where torch's kernel switches formula, and values where a naive formula over- or
underflows. The kernel ops' grids add their poles and domain edges (digamma at 0, -0 and the
negative integers, lgamma of negatives, Bessel Y at 0 and below, zeta for x < 1 and q <= 0),
huge values, and for the polynomials degrees that are negative, not integers, large, NaN or
infinite; binary grids are outer products (a column against a row: broadcasting).
"""

from __future__ import annotations

import torch
from op_entry import ELEMENTWISE, OpEntry, Sample, grow_dynamic_dims
from table_math import FLOATS_INT, binary_edges, unary_edges
from table_reductions import TORCHSCRIPT, call

from symreg.ops.special import BINARY, UNARY

INF, NAN = float("inf"), float("nan")
FLOATS = (torch.float32, torch.float64)
EXACT = {t: (0.0, 0.0) for t in (torch.float32, torch.float64, torch.int64)}
#: (1 + erf(y)) / 2 as torch computes it: erf rounds to an ulp of 1 first, so values near 0 carry an absolute error.
NDTR = {torch.float32: (1e-6, 1.2e-7), torch.float64: (1e-12, 2.3e-16), torch.int64: (1e-6, 1.2e-7)}
#: symreg's gamma kernels (see KERNEL_TOLERANCE below) composed: polygamma, mvlgamma (a sum of lgamma terms).
GAMMA = {torch.float32: (1e-6, 1e-6), torch.float64: (1e-12, 1e-15), torch.int64: (1e-6, 1e-6)}
#: ORT's Sin reduces its argument with an absolute error of about an ulp of 1: sin(x) / x near a zero of sin.
SIN_RATIO = {torch.float32: (1e-6, 6e-8), torch.float64: (1e-12, 2.3e-16), torch.int64: (1e-6, 6e-8)}


def _grid(values: list[float]):
    def samples(dtype: torch.dtype) -> list[Sample]:
        if not dtype.is_floating_point:
            return [*unary_edges(dtype), Sample((torch.tensor([-30, -9, -1, 0, 1, 8, 9, 50], dtype=dtype),))]
        return [*unary_edges(dtype), Sample((torch.tensor(values, dtype=torch.float64).to(dtype).reshape(-1, 1),))]

    return samples


#: erfc/erfcx/log_ndtr: Cody's ranges switch at 0.46875 and 4 (and torch's at -26.7, -6.1, 50, 5e7), log_ndtr's at -1.
_ERFC_POINTS = [-40.0, -26.0, -9.0, -6.2, -6.0, -2.0, -1.5, -1.0, -0.999, -0.46875, -0.4, 0.4, 0.46875, 0.47,
                1.0, 3.99, 4.0, 4.01, 8.0, 20.0, 49.0, 51.0, 1e4, 6e7, 1e20]  # fmt: skip
#: I0/I1: the series switch at |x| = 8; exp(|x|) overflows float32 past 88.7, float64 past 709.
_BESSEL_POINTS = [-100.0, -8.5, -8.0, -7.9, -1e-3, 1e-3, 0.1, 1.0, 7.99, 8.0, 8.01, 12.0, 80.0, 90.0, 500.0, 720.0]
#: spherical_bessel_j0: Taylor below |x| = 0.5, sin(x) / x above.
_J0_POINTS = [-1e30, -100.0, -3.14159, -0.5, -0.49, -0.1, 1e-20, 0.25, 0.4999, 0.5, 0.51, 1.0, 6.0, 1e6]


def _grow_in_range(sample: Sample) -> Sample:
    """``grow_dynamic_dims`` for samples holding finfo.max: new values within +-1e30 (uniform_ cannot span max)."""
    limited = sample.with_tensors(t.clamp(-1e30, 1e30) if t.is_floating_point() else t for t in sample.tensors())
    return grow_dynamic_dims(limited)


def _frexp(dtype: torch.dtype) -> list[Sample]:
    """Powers of two and their neighbours, the largest finite value, subnormals, 0-d, NaN/±inf/±0."""
    info = torch.finfo(dtype)
    powers = torch.tensor([2.0**k for k in range(-20, 21, 3)], dtype=dtype)
    near = torch.cat([powers, torch.nextafter(powers, powers * 2), torch.nextafter(powers, powers / 2)])
    extremes = torch.tensor(
        [info.max, -info.max, info.tiny, info.tiny / 2, info.smallest_normal * info.eps, -3.0, 0.1, 1e-30], dtype=dtype
    )
    return [
        Sample((torch.tensor(0.75, dtype=dtype),)),
        Sample((torch.cat([near, -near]).reshape(6, -1),)),
        Sample((extremes,)),
        *unary_edges(dtype),
    ]


def _hypot(dtype: torch.dtype) -> list[Sample]:
    """Pairs whose squares over- or underflow, infinities beside NaN, zeros, then the shared binary edges."""
    info = torch.finfo(dtype)
    big, small = info.max / 4, info.tiny * 4
    a = torch.tensor([big, big, small, small * info.eps, INF, NAN, -INF, NAN, 0.0, -0.0, 3.0, 1e-3], dtype=dtype)
    b = torch.tensor([big, -1.0, small, small, NAN, INF, 2.0, 0.0, 0.0, 0.0, -4.0, 1e3], dtype=dtype)
    return [Sample((a, b)), *binary_edges(dtype)]


def _copysign(dtype: torch.dtype) -> list[Sample]:
    """Signed zeros and NaN as ``other`` (a NaN made positive, then one with its sign bit set), Python numbers."""
    if not dtype.is_floating_point:
        values = torch.tensor([1, -2, 0, 7], dtype=dtype)
        samples = [Sample((values, -0.0)), Sample((values, -3)), Sample((values, values.flip(0) - 1))]
        return [*binary_edges(dtype), *samples]
    values = torch.tensor([1.0, -2.0, 0.0, -0.0, INF, -INF, NAN, 5.0], dtype=dtype)
    signs = torch.tensor([-0.0, 0.0, -1.0, 3.0, -0.0, INF, -INF, NAN], dtype=dtype)
    negative_nan = torch.full((8,), NAN, dtype=dtype).neg()
    samples = [Sample((values, signs)), Sample((values, -0.0)), Sample((values, 2)), Sample((values, negative_nan))]
    return [*binary_edges(dtype), *samples]


def _negative_nan(sample: Sample) -> bool:
    """copysign's sample whose ``other`` is NaN with the sign bit set."""
    other = sample.args[1]
    if not isinstance(other, torch.Tensor) or not other.is_floating_point() or other.numel() == 0:
        return False
    return bool(other.isnan().all()) and bool(other.signbit().all())


def _extremes(dtype: torch.dtype) -> list[Sample]:
    """NaN beside numbers both ways round, both NaN, ±inf, a 0-d beside a tensor, then the shared binary edges."""
    if not dtype.is_floating_point:
        return binary_edges(dtype)
    a = torch.tensor([NAN, 1.0, NAN, INF, -INF, -0.0, 2.0, -3.0], dtype=dtype)
    b = torch.tensor([1.0, NAN, NAN, NAN, 5.0, 0.0, 2.0, -4.0], dtype=dtype)
    return [Sample((a, b)), Sample((a, b[1])), *binary_edges(dtype)]


def _xlog1py(dtype: torch.dtype) -> list[Sample]:
    """other at -1 (log1p -inf), below -1 (NaN), tiny (log1p ~ other), huge; x = 0 beside each; Python numbers."""
    a = torch.tensor([0.0, 2.0, 0.0, 3.0, 0.0, 1.5, -2.0, NAN, 0.0, 4.0], dtype=dtype)
    b = torch.tensor([-1.0, -1.0, -2.0, -2.0, NAN, 1e-9, 1e9, 1.0, INF, INF], dtype=dtype)
    return [Sample((a, b)), Sample((a, 2.0)), Sample((3, b)), *binary_edges(dtype)]


#: polygamma: digamma's and trigamma's poles (0, -0, negative integers), trigamma's switch at 0.5, the
#: reflection's far negatives, torch's recurrence thresholds (digamma's 10), huge values.
_POLYGAMMA_POINTS = [-1e5 - 0.5, -100.0, -2.5, -2.0, -1.0, -0.5, -1e-30, -0.0, 0.0, 1e-30, 0.1, 0.4999, 0.5,
                     0.5001, 1.0, 2.0, 6.5, 9.99, 10.0, 1e3, 1e10, 1e30]  # fmt: skip


def _gamma_call(fn, dtype: torch.dtype, order: int, values: list[float], lowest: float = -10.0) -> list[Sample]:
    """``fn(x, order)`` on random values within [lowest, lowest + 20] ((5, 5) and 0-d, as OpInfo's), the edge grid
    ``values`` with ±inf and NaN, an empty batch, and integers (a float32 result)."""
    if not dtype.is_floating_point:
        ints = torch.arange(int(lowest) + 1, int(lowest) + 13, dtype=dtype).reshape(3, 4)
        return [Sample((fn, ints, order))]
    grid = torch.tensor([*values, INF, -INF, NAN], dtype=torch.float64).to(dtype).reshape(-1, 1)
    return [
        Sample((fn, torch.rand(5, 5, dtype=dtype) * 20 + lowest, order)),
        Sample((fn, torch.tensor(lowest + 3.25, dtype=dtype), order)),
        Sample((fn, grid, order)),
        Sample((fn, torch.ones(0, 3, dtype=dtype), order)),
    ]


def _polygamma(dtype: torch.dtype) -> list[Sample]:
    """n = 0 (digamma), 1 (trigamma), 2 to 4 and 9 (zeta) on each of :func:`_gamma_call`'s samples, through
    ``torch.polygamma`` and ``torch.special.polygamma``."""
    return [
        sample
        for n in (0, 1, 2, 3, 4, 9)
        for fn in (_polygamma_of, _special_polygamma_of)
        for sample in _gamma_call(fn, dtype, n, _POLYGAMMA_POINTS)
    ]


def _polygamma_of(x: torch.Tensor, n: int) -> torch.Tensor:
    return torch.polygamma(n, x)


def _special_polygamma_of(x: torch.Tensor, n: int) -> torch.Tensor:
    return torch.special.polygamma(n, x)


def _mvlgamma(dtype: torch.dtype) -> list[Sample]:
    """p = 1, 3, 5, 8 just above torch's domain edge (p - 1) / 2, at poles of the terms' lgamma' neighbours,
    huge and +inf (torch raises for x <= (p - 1) / 2 and for NaN), through both names."""
    samples = []
    for p in (1, 3, 5, 8):
        edge = (p - 1) / 2
        values = [edge + d for d in (1e-6, 0.25, 0.5, 1.0, 1.5, 2.0, 10.0, 1e3, 1e10, 1e30)]
        for fn in (torch.mvlgamma, torch.special.multigammaln):
            grid = torch.tensor([*values, INF], dtype=torch.float64).to(dtype).reshape(-1, 1)
            if not dtype.is_floating_point:
                samples.append(Sample((fn, torch.arange(p, p + 12, dtype=dtype).reshape(3, 4), p)))
                continue
            samples += [
                Sample((fn, torch.rand(5, 5, dtype=dtype) * 10 + edge + 0.01, p)),
                Sample((fn, torch.tensor(edge + 2.5, dtype=dtype), p)),
                Sample((fn, grid, p)),
                Sample((fn, torch.ones(0, 3, dtype=dtype) + edge, p)),
            ]
    return samples


def _unary(names: tuple[str, ...], tolerance, opinfo: str, samples, **kwargs) -> OpEntry:
    return OpEntry(names, tolerance, opinfo=opinfo, samples=samples, dtypes=FLOATS_INT, **kwargs)


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(("aten::copysign",), EXACT, opinfo="copysign", samples=_copysign, dtypes=FLOATS_INT).xfail(
        "ONNX cannot read a NaN's sign bit: symreg's copysign takes every NaN `other` as positive, where torch "
        "copies the sign bit of -nan",
        sample=_negative_nan,
    ),
    OpEntry(("aten::fmax",), EXACT, opinfo="fmax", samples=_extremes, dtypes=FLOATS_INT),
    OpEntry(("aten::fmin",), EXACT, opinfo="fmin", samples=_extremes, dtypes=FLOATS_INT),
    OpEntry(("aten::frexp",), EXACT, opinfo="frexp", samples=_frexp, dtypes=FLOATS, grow=_grow_in_range),
    OpEntry(("aten::hypot",), ELEMENTWISE, opinfo="hypot", samples=_hypot, dtypes=FLOATS, grow=_grow_in_range),
    _unary(("aten::i0", "aten::special_i0"), ELEMENTWISE, "i0", _grid(_BESSEL_POINTS)),
    OpEntry(("aten::mvlgamma", "aten::special_multigammaln"), GAMMA, samples=_mvlgamma, fn=call, dtypes=FLOATS_INT),
    OpEntry(("aten::polygamma", "aten::special_polygamma"), GAMMA, samples=_polygamma, fn=call, dtypes=FLOATS_INT),
    _unary(("aten::special_entr",), ELEMENTWISE, "special.entr", unary_edges, exports=TORCHSCRIPT),
    _unary(("aten::special_erfcx",), ELEMENTWISE, "special.erfcx", _grid(_ERFC_POINTS)),
    _unary(("aten::special_i0e",), ELEMENTWISE, "special.i0e", _grid(_BESSEL_POINTS)),
    _unary(("aten::special_i1",), ELEMENTWISE, "special.i1", _grid(_BESSEL_POINTS)),
    _unary(("aten::special_i1e",), ELEMENTWISE, "special.i1e", _grid(_BESSEL_POINTS)),
    _unary(("aten::special_log_ndtr",), ELEMENTWISE, "special.log_ndtr", _grid(_ERFC_POINTS)),
    _unary(("aten::special_ndtr",), NDTR, "special.ndtr", _grid(_ERFC_POINTS)),
    _unary(("aten::special_spherical_bessel_j0",), SIN_RATIO, "special.spherical_bessel_j0", _grid(_J0_POINTS)),
    OpEntry(("aten::special_xlog1py",), ELEMENTWISE, opinfo="special.xlog1py", samples=_xlog1py, exports=TORCHSCRIPT),
)


# --- ops run by symreg's C++ kernels (symreg/ops/special.py's UNARY and BINARY) ------------------------------

#: The kernels run torch's own code (csrc/kernels/special/torch_math.h): the baseline build matches torch's
#: default CPU build bit for bit and the AVX2 + FMA build its AVX2/AVX-512 builds but for a few ulp
#: (igamma, bessel_y1, where the compilers fuse other multiply-adds). float32 lgamma is symreg's own SIMD kernel
#: (within 1 ulp of the truth) and torch's vectorised one SLEEF's: up to 4.7e-7 apart near lgamma's negative zeros.
KERNEL_TOLERANCE = {torch.float32: (1e-6, 1e-6), torch.float64: (1e-12, 1e-15), torch.int64: (1e-6, 1e-6)}

_UNARY_POINTS = {
    "Digamma": [-0.0, 0.0, -1.0, -2.0, -100.0, -0.5, -2.5, -1e-30, 1e-30, 1.0, 2.0, 9.99, 10.0, 10.01, 1e17, 1e30],
    "Lgamma": [-0.0, 0.0, -1.0, -2.5, -1e10, -1e-30, 1e-30, 0.5, 1.0, 1.0001, 2.0, 2.0001, 3.0, 1e10, 1e30, 1e37],
    "AiryAi": [-1e4, -100.0, -2.09, -2.0, -1.0, 0.0, 1.0, 2.0, 2.09, 8.0, 10.0, 25.0, 100.0, 104.0, 1e4],
    "Ndtri": [-0.1, 0.0, 1e-30, 1e-20, 1e-10, 0.01, 0.1353, 0.1354, 0.5, 0.8646, 0.9, 0.99, 1 - 1e-7, 1.0, 1.5],
}
_BESSEL = [-1e10, -30.0, -5.0, -1.0, -1e-30, 0.0, 1e-30, 1e-5, 1.0, 2.0, 4.9, 5.0, 5.1, 8.0, 25.0, 90.0, 700.0, 1e10]


def _unary_grid(kernel: str):
    points = _UNARY_POINTS.get(kernel, _BESSEL)

    def samples(dtype: torch.dtype) -> list[Sample]:
        if not dtype.is_floating_point:
            return [*unary_edges(dtype), Sample((torch.tensor([-30, -9, -2, -1, 0, 1, 2, 8, 50], dtype=dtype),))]
        grid = torch.tensor(points, dtype=torch.float64).to(dtype).reshape(-1, 1)
        return [*unary_edges(dtype), Sample((grid,))]

    return samples


def _outer(first: list[float], second: list[float]):
    """The grid first x second (a column against a row), then the shared binary edges."""

    def samples(dtype: torch.dtype) -> list[Sample]:
        if not dtype.is_floating_point:
            a, b = torch.tensor([-2, 0, 1, 3, 7], dtype=dtype), torch.tensor([-1, 0, 1, 2, 5, 9], dtype=dtype)
            return [*binary_edges(dtype), Sample((a.reshape(-1, 1), b))]
        a = torch.tensor(first, dtype=torch.float64).to(dtype).reshape(-1, 1)
        b = torch.tensor(second, dtype=torch.float64).to(dtype)
        return [*binary_edges(dtype), Sample((a, b))]

    return samples


_SPECIALS = [NAN, INF, -INF]
_BINARY_GRIDS = {
    "Igamma": ([-1.0, 0.0, 1e-3, 0.5, 1.0, 10.0, 25.0, 199.0, 250.0, 1e6, *_SPECIALS],
               [-1.0, 0.0, 1e-3, 0.5, 1.0, 10.0, 24.0, 200.0, 1e6, *_SPECIALS]),
    "Zeta": ([-1.0, 0.5, 1.0, 1.0001, 2.0, 3.5, 10.0, 50.0, *_SPECIALS],
             [-2.0, -1.5, -0.0, 0.0, 1e-3, 0.5, 1.0, 2.0, 9.0, 1e3, 1e10, *_SPECIALS]),
    "Nextafter": ([-0.0, 0.0, 1.0, -1.0, 1e-38, 3e38, *_SPECIALS], [-0.0, 0.0, 1.0, -1.0, 1e-38, 3e38, *_SPECIALS]),
}  # fmt: skip
_X = [-3.0, -1.5, -1.0, -0.5, 0.0, 0.3, 0.5, 1.0, 1.5, 3.0, *_SPECIALS]
#: Degrees: negative, 0 to 8 and past the branch to cos(n acos x) (n > 6 or 8), not integers (truncated),
#: past Hermite's cut-offs (128 float, 512 double), and non-finite or past int64 (torch's cast gives INT64_MIN).
_N = [-2.0, -0.5, 0.0, 1.0, 2.0, 2.5, 3.0, 5.0, 7.0, 8.0, 9.0, 20.0, 129.0, 513.0, 1e4, 1e20, *_SPECIALS]


def _polynomial(dtype: torch.dtype) -> list[Sample]:
    """x against n, then a Python-number degree and a Python-number x (the ``n_scalar`` and ``x_scalar`` overloads)."""
    x, n = torch.tensor([-1.5, -0.5, 0.0, 0.7, 2.0]), torch.tensor([-1.0, 0.0, 1.0, 3.0, 9.0])
    if not dtype.is_floating_point:
        return [
            Sample((torch.tensor([-2, 0, 1, 3], dtype=dtype).reshape(-1, 1), n.to(dtype))),
            Sample((2, n.to(dtype))),
        ]
    grid = Sample((torch.tensor(_X, dtype=dtype).reshape(-1, 1), torch.tensor(_N, dtype=dtype)))
    return [
        grid,
        Sample((x.to(dtype), 3)),
        Sample((x.to(dtype), 2.5)),
        Sample((0.5, n.to(dtype))),
        Sample((2, n.to(dtype))),
    ]


def _grow_small(sample: Sample) -> Sample:
    """``grow_dynamic_dims`` with values within +-50 first: a polynomial's degree draws that many iterations
    (Laguerre and Legendre loop to n, as torch does: a degree near 1e18 would take years)."""
    limited = sample.with_tensors(t.clamp(-50, 50) if t.is_floating_point() else t for t in sample.tensors())
    return grow_dynamic_dims(limited)


def _number_sides(dtype: torch.dtype) -> list[Sample]:
    """zeta's ``self_scalar`` and ``other_scalar`` overloads."""
    q = torch.tensor([0.5, 1.0, 2.0, 7.0], dtype=dtype)
    return [Sample((2.0, q)), Sample((q + 1, 1.5)), Sample((3, q))]


def _kernel_entries() -> tuple[OpEntry, ...]:
    opinfo = {"aten::lgamma": "lgamma", "aten::digamma": "digamma", "aten::igamma": "igamma",
              "aten::igammac": "igammac", "aten::nextafter": "nextafter"}  # fmt: skip
    entries = []
    for names, kernel in UNARY.items():
        info = opinfo.get(names[0], names[0].replace("aten::special_", "special."))
        entries.append(OpEntry(names, KERNEL_TOLERANCE, opinfo=info, samples=_unary_grid(kernel), dtypes=FLOATS_INT))
    for names, (kernel, _, _) in BINARY.items():
        info = opinfo.get(names[0], names[0].replace("aten::special_", "special."))
        grid_of = "Igamma" if kernel == "Igammac" else kernel
        if grid_of in _BINARY_GRIDS:
            grid = _outer(*_BINARY_GRIDS[grid_of])
            samples = (lambda dtype, grid=grid: [*grid(dtype), *_number_sides(dtype)]) if kernel == "Zeta" else grid
            # torch has igamma, igammac and nextafter for floats only
            dtypes = FLOATS_INT if kernel == "Zeta" else FLOATS
            entries.append(OpEntry(names, KERNEL_TOLERANCE, opinfo=info, samples=samples, dtypes=dtypes))
        else:
            entries.append(
                OpEntry(names, KERNEL_TOLERANCE, opinfo=info, samples=_polynomial, dtypes=FLOATS_INT, grow=_grow_small)
            )
    return tuple(sorted(entries, key=lambda e: e.names[0]))


KERNEL_ENTRIES: tuple[OpEntry, ...] = _kernel_entries()
ENTRIES = (*ENTRIES, *KERNEL_ENTRIES)
