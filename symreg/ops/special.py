"""Special functions of op pack II (``special.*``, ``copysign``, ``fmax``/``fmin``, ``hypot``, ``frexp``, ``i0``,
``digamma``, ``lgamma``, ``igamma``, ``nextafter``, ...).

Those with a short exact formula are lowered to standard ONNX ops (the rules written out below). The
rest (gamma and incomplete gamma functions, zeta, Bessel and Airy functions, orthogonal polynomials,
ndtri, nextafter: the tables :data:`UNARY` and :data:`BINARY` at the end) have no ONNX form short of
long series with many branches: each becomes one ``symreg::`` node with a declared schema, run by
symreg's C++ kernels (csrc/kernels/special/), which run torch's own code (its Math.h, vendored).

torch 2.14's TorchScript exporter has a rule for none of these ops at any opset. The dynamo
exporter refuses ``copysign``, ``fmax``, ``fmin``, ``hypot``, ``frexp`` and
``special_spherical_bessel_j0``, gives wrong numbers for ``special_erfcx`` and ``special_log_ndtr``,
and lowers float64 ``special_ndtr`` to an ``Erf`` that ORT's CPU provider cannot run in float64:
those rules serve both exporters; the others are TorchScript only (each docstring says).

Every lowering follows torch's own kernel (aten/src/ATen/native/Math.h and the ops' CPU kernels):
the same formula, branches and special cases, so results match eager torch to a few ulp. The
building blocks are in :mod:`symreg.ops._special_float` (signs, extremes, hypot, frexp),
:mod:`symreg.ops._special_erfcx` (erfcx, log_ndtr, ndtr, from Cody's erfc approximations) and
:mod:`symreg.ops._special_bessel` (Cephes' Chebyshev series of I0 and I1). All ops used exist at
opset 9 with float and double kernels in ORT. Rules are in alphabetical order of their op.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from symreg.builder import Builder
from symreg.ops import _special_bessel, _special_erfcx, _special_float, _special_gamma
from symreg.ops._helpers import cast, promote_to_float, to_0d, to_1d
from symreg.ops._math_elementwise import (
    binary_float,
    c,
    eq,
    float_dtype,
    log1p,
    rank1,
    result_dtype,
    to,
    unary_float,
)
from symreg.registry import op
from symreg.schemas import broadcast, same_as_input, schema


def _unary(fn: Callable, doc: str, typed: bool = False) -> Callable:
    """A rule computing ``fn(g, x)`` as torch computes a unary float op (``unary_float``); ``typed``:
    ``fn(g, x, dtype)``, the compute dtype read before 0-d inputs are viewed as 1-d (which hides it
    from the dynamo exporter)."""

    def rule(g: Builder, x):
        if not typed:
            return unary_float(g, fn, x)
        dtype = float_dtype(g.dtype(x))
        dtype = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
        return unary_float(g, lambda g, v: fn(g, v, dtype), x)

    rule.__doc__ = doc
    return rule


@op("aten::copysign", opset=9)
def aten_copysign(g: Builder, x, other):
    """|x| with other's sign, in the inputs' float result dtype (integers give float32); opsets 9+, both
    exporters (every overload).

    -0.0 counts as negative (found as 1 / other = -inf). A NaN ``other`` counts as positive: ONNX
    cannot read a NaN's sign bit, where torch copies it (copysign(1, -nan) is -1 in torch).
    A Python number ``other`` (``copysign.Scalar``) does not widen the result, as in torch.
    """
    return binary_float(g, _special_float.copysign, x, _as_wrapped_number(g, other, x))


def _as_wrapped_number(g: Builder, other, x):
    """``other`` cast to ``x``'s float dtype (float32 for integers) where it is a Python number the exporter
    made a 0-d constant (torch's wrapped number: it never widens a tensor's dtype); else ``other``."""
    dtype = g.dtype(x)
    if g.rank(other) != 0 or dtype is None or g.constant_value(other) is None:
        return other
    return to(g, other, float_dtype(dtype))


def _extreme(compare: str) -> Callable:
    def rule(g: Builder, x, other):
        dtype = result_dtype(g, x, other)
        floats = dtype is None or dtype.is_floating_point
        compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
        zero_d = g.rank(x) == 0 and g.rank(other) == 0
        fn = _special_float.nan_ignoring(compare, floats)
        return to(g, rank1(g, fn, to(g, x, compute), to(g, other, compute), zero_d=zero_d), dtype)

    which = "larger" if compare == "Greater" else "smaller"
    rule.__doc__ = f"""The {which} of x and other, the other one where one is NaN (NaN where both are), in the
    inputs' result dtype; opsets 9+, both exporters (neither has a lowering). Comparison and Where only:
    ONNX Max/Min propagate NaN and take integers only from opset 12."""
    return rule


aten_fmax = op("aten::fmax", opset=9)(_extreme("Greater"))
aten_fmin = op("aten::fmin", opset=9)(_extreme("Less"))


@op("aten::frexp", opset=9)
def aten_frexp(g: Builder, x):
    """(mantissa, int32 exponent), x = mantissa * 2**exponent, 0.5 <= |mantissa| < 1; 0, ±inf and NaN give
    (x, 0). Exact, subnormals included (:func:`symreg.ops._special_float.frexp`); opsets 9+, both exporters.
    """
    zero_d = g.rank(x) == 0
    x, back = promote_to_float(g, x)
    mantissa, exponent = _special_float.frexp(g, to_1d(g, x) if zero_d else x)
    if zero_d:
        mantissa, exponent = to_0d(g, mantissa), to_0d(g, exponent)
    return to(g, mantissa, back), cast(g, exponent, torch.int32)


@op("aten::hypot", opset=9)
def aten_hypot(g: Builder, x, other):
    """sqrt(x² + other²) scaled by the larger magnitude (no overflow or underflow), within ~2 ulp;
    inf where either is infinite (even beside NaN). Opsets 9+, both exporters."""
    return binary_float(g, _special_float.hypot, x, other)


aten_i0 = op(("aten::i0", "aten::special_i0"), opset=9)(
    _unary(_special_bessel.i0, "I0(x), Cephes' Chebyshev series as torch evaluates them; opsets 9+.")
)


@op(("aten::mvlgamma", "aten::special_multigammaln"), opset=9)
def aten_mvlgamma(g: Builder, x, p: int):
    """The multivariate log-gamma function of dimension ``p`` as torch computes it: ``p`` terms of the
    ``symreg::Lgamma`` kernel summed plus a constant (:func:`~symreg.ops._special_gamma.mvlgamma`); integers
    give float32. Opsets 9+, both exporters (TorchScript has no rule; torch.export decomposes it to
    ``prims.lgamma``, which torchlib lacks). torch raises unless every x > (p - 1) / 2; ONNX cannot."""
    if p < 1:
        raise ValueError(f"{g.overload}: p must be >= 1, not {p}")
    rank = g.rank(x)
    return unary_float(g, lambda g, v: _special_gamma.mvlgamma(g, v, p, max(rank or 0, 1)), x)


@op(("aten::polygamma", "aten::special_polygamma"), opset=9)
def aten_polygamma(g: Builder, n: int, x):
    """The ``n``-th derivative of digamma as torch's CPU kernel computes it: the ``symreg::Digamma`` kernel
    for n = 0, torch's trigamma in standard ops for n = 1, ``symreg::Zeta(n + 1, x)`` times
    ``(-1)^(n+1) n!`` (torch's ``exp(lgamma(n + 1))`` in x's dtype) above
    (:mod:`~symreg.ops._special_gamma`); integers give float32. Opsets 9+, both exporters (neither has a rule)."""
    if n < 0:
        raise ValueError(f"{g.overload}: n must be >= 0, not {n} (torch's polygamma refuses negative n)")
    return _unary(lambda g, v, dtype: _special_gamma.polygamma(g, n, v, dtype), "", typed=True)(g, x)


def _entr(g: Builder, x):
    zero = c(g, 0.0, x)
    positive = g.op("Neg", g.op("Mul", x, g.op("Log", x)))
    y = g.op("Where", g.op("Greater", x, zero), positive, g.op("Where", eq(g, x, zero), zero, c(g, -float("inf"), x)))
    return g.op("Where", g.op("IsNaN", x), x, y)


aten_special_entr = op("aten::special_entr", opset=9, exporters=("torchscript",))(
    _unary(
        _entr,
        """-x log(x) for x > 0, 0 at 0, -inf below, NaN kept (torch's kernel); integers give float32.

    Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).""",
    )
)

aten_special_erfcx = op("aten::special_erfcx", opset=9)(
    _unary(
        _special_erfcx.erfcx,
        """exp(x²) erfc(x) from Cody's rational approximations, torch's 2 exp(x*x) - erfcx(-x) for x < 0;
    opsets 9+. Also for dynamo, whose lowering overflows (exp(x²) times erfc).""",
    )
)

aten_special_i0e = op("aten::special_i0e", opset=9)(
    _unary(_special_bessel.i0e, "exp(-|x|) I0(x), Cephes' Chebyshev series as torch evaluates them; opsets 9+.")
)
aten_special_i1 = op("aten::special_i1", opset=9)(
    _unary(_special_bessel.i1, "I1(x), Cephes' Chebyshev series as torch evaluates them; opsets 9+.", typed=True)
)
aten_special_i1e = op("aten::special_i1e", opset=9)(
    _unary(
        _special_bessel.i1e, "exp(-|x|) I1(x), Cephes' Chebyshev series as torch evaluates them; opsets 9+.", typed=True
    )
)

aten_special_log_ndtr = op("aten::special_log_ndtr", opset=9)(
    _unary(
        _special_erfcx.log_ndtr,
        """log of the standard normal CDF as torch computes it: log(erfcx(-t) / 2) - t² below x = -1,
    log1p(-erfc(t) / 2) above (t = x / sqrt 2); opsets 9+. Also for dynamo, whose lowering loses the tail.""",
    )
)

aten_special_ndtr = op("aten::special_ndtr", opset=9)(
    _unary(
        _special_erfcx.ndtr,
        """(1 + erf(x / sqrt 2)) / 2, torch's formula; float64 through Cody's erfc (ORT has no float64
    Erf, which is why dynamo's lowering fails in float64). Opsets 9+, both exporters.""",
        typed=True,
    )
)


def _spherical_bessel_j0(g: Builder, x):
    square = g.op("Mul", x, x)
    series = c(g, 1.0 / 6227020800.0, x)
    for term in (-1.0 / 39916800.0, 1.0 / 362880.0, -1.0 / 5040.0, 1.0 / 120.0, -1.0 / 6.0):
        series = g.op("Add", c(g, term, x), g.op("Mul", square, series))
    small = g.op("Add", c(g, 1.0, x), g.op("Mul", square, series))
    y = g.op("Where", g.op("Less", g.op("Abs", x), c(g, 0.5, x)), small, g.op("Div", g.op("Sin", x), x))
    return g.op("Where", _special_float.is_inf(g, x), c(g, 0.0, x), y)


aten_special_spherical_bessel_j0 = op("aten::special_spherical_bessel_j0", opset=9)(
    _unary(
        _spherical_bessel_j0,
        """sin(x) / x, torch's Taylor polynomial for |x| < 0.5, 0 at ±inf; opsets 9+, both exporters.""",
    )
)


@op("aten::special_xlog1py", opset=9, exporters=("torchscript",))
def aten_special_xlog1py(g: Builder, x, other):
    """x * log1p(other), 0 where x == 0, NaN where other is NaN (every overload); log1p accurate near 0.

    Opsets 9+, TorchScript only: it has no rule (the dynamo exporter's works).
    """

    def fn(g, a, b):
        zero = c(g, 0.0, a)
        y = g.op("Where", eq(g, a, zero), zero, g.op("Mul", a, log1p(g, b)))
        return g.op("Where", g.op("IsNaN", b), b, y)

    return binary_float(g, fn, x, other)


# --- ops run by symreg's C++ kernels: one custom-domain node each ---------------------------------------------

#: Unary ops: aten names (aliases included) -> the ``symreg::`` op whose kernel computes them.
UNARY: dict[tuple[str, ...], str] = {
    ("aten::digamma", "aten::special_digamma", "aten::special_psi"): "Digamma",
    ("aten::lgamma", "aten::special_gammaln"): "Lgamma",
    ("aten::special_airy_ai",): "AiryAi",
    ("aten::special_bessel_j0",): "BesselJ0",
    ("aten::special_bessel_j1",): "BesselJ1",
    ("aten::special_bessel_y0",): "BesselY0",
    ("aten::special_bessel_y1",): "BesselY1",
    ("aten::special_modified_bessel_i0",): "ModifiedBesselI0",
    ("aten::special_modified_bessel_i1",): "ModifiedBesselI1",
    ("aten::special_modified_bessel_k0",): "ModifiedBesselK0",
    ("aten::special_modified_bessel_k1",): "ModifiedBesselK1",
    ("aten::special_ndtri",): "Ndtri",
    ("aten::special_scaled_modified_bessel_k0",): "ScaledModifiedBesselK0",
    ("aten::special_scaled_modified_bessel_k1",): "ScaledModifiedBesselK1",
}

#: Binary ops: aten names -> (the ``symreg::`` op, its two inputs' names in torch's argument order).
BINARY: dict[tuple[str, ...], tuple[str, str, str]] = {
    ("aten::igamma", "aten::special_gammainc"): ("Igamma", "A", "X"),
    ("aten::igammac", "aten::special_gammaincc"): ("Igammac", "A", "X"),
    ("aten::nextafter",): ("Nextafter", "X", "Other"),
    ("aten::special_zeta",): ("Zeta", "X", "Q"),
    **{
        (f"aten::special_{name}",): (kernel, "X", "N")
        for name, kernel in [
            ("chebyshev_polynomial_t", "ChebyshevPolynomialT"),
            ("chebyshev_polynomial_u", "ChebyshevPolynomialU"),
            ("chebyshev_polynomial_v", "ChebyshevPolynomialV"),
            ("chebyshev_polynomial_w", "ChebyshevPolynomialW"),
            ("hermite_polynomial_h", "HermitePolynomialH"),
            ("hermite_polynomial_he", "HermitePolynomialHe"),
            ("laguerre_polynomial_l", "LaguerrePolynomialL"),
            ("legendre_polynomial_p", "LegendrePolynomialP"),
            ("shifted_chebyshev_polynomial_t", "ShiftedChebyshevPolynomialT"),
            ("shifted_chebyshev_polynomial_u", "ShiftedChebyshevPolynomialU"),
            ("shifted_chebyshev_polynomial_v", "ShiftedChebyshevPolynomialV"),
            ("shifted_chebyshev_polynomial_w", "ShiftedChebyshevPolynomialW"),
        ]
    },
}

_KERNEL_TYPES = {"T": ["float", "double"]}
_FUNCTION = "as torch's CPU kernel computes it (the same code, from torch's aten/src/ATen/native/Math.h)"


def _kernel_unary(names: tuple[str, ...], kernel: str) -> Callable:
    torch_name = names[-1].split("::")[1]
    schema(
        f"symreg::{kernel}",
        inputs=["X: T"],
        outputs=["Y: T"],
        types=_KERNEL_TYPES,
        infer=same_as_input(0),
        doc=f"Y = {torch_name}(X) elementwise, {_FUNCTION}.",
    )

    def rule(g: Builder, x):
        return unary_float(g, lambda g, v: g.op(f"symreg::{kernel}", v), x)

    rule.__name__ = rule.__qualname__ = "aten_" + names[0].split("::")[1]
    rule.__doc__ = f"""``symreg::{kernel}`` (ONNX has no {torch_name}), run by symreg's C++ kernel, {_FUNCTION};
    float32/float64 as they are, integers and bool in float32, float16/bfloat16 in float32 and cast back; opsets 9+."""
    return op(names, opset=9)(rule)


def _kernel_binary(names: tuple[str, ...], kernel: str, first: str, second: str) -> Callable:
    torch_name = names[-1].split("::")[1]
    schema(
        f"symreg::{kernel}",
        inputs=[f"{first}: T", f"{second}: T"],
        outputs=["Y: T"],
        types=_KERNEL_TYPES,
        infer=broadcast(),
        doc=f"Y = {torch_name}({first}, {second}) elementwise, {first} and {second} broadcast as NumPy does, "
        f"{_FUNCTION}.",
    )

    def rule(g: Builder, a, b):
        # dynamo passes Python numbers as they are; TorchScript as 0-d constants, which must not widen the other
        if not isinstance(a, (bool, int, float)) and not isinstance(b, (bool, int, float)):
            a, b = _as_wrapped_number(g, a, b), _as_wrapped_number(g, b, a)
        return binary_float(g, lambda g, u, v: g.op(f"symreg::{kernel}", u, v), a, b)

    rule.__name__ = rule.__qualname__ = "aten_" + names[0].split("::")[1]
    rule.__doc__ = f"""``symreg::{kernel}`` (ONNX has no {torch_name}), run by symreg's C++ kernel, {_FUNCTION};
    every overload (a Python number on either side counts as torch's wrapped number: it does not widen the other's
    dtype); inputs in their float result dtype (integers: float32); opsets 9+."""
    return op(names, opset=9)(rule)


KERNEL_RULES: dict[str, Callable] = {
    **{names[0]: _kernel_unary(names, kernel) for names, kernel in UNARY.items()},
    **{names[0]: _kernel_binary(names, *spec) for names, spec in BINARY.items()},
}
