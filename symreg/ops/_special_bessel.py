"""The modified Bessel functions I0, I1 and their exponentially scaled forms, as torch computes them.

torch (aten/src/ATen/native/Math.h: ``calc_i0``, ``calc_i0e``, ``calc_i1``, ``calc_i1e``) evaluates
Cephes' Chebyshev series with ``chbevl`` on two ranges of |x|: [0, 8] in x/2 - 2, (8, inf) in
32/x - 2, divided by sqrt(|x|) there. :func:`chbevl` is the same Clenshaw recurrence in standard ops,
with the same coefficients in the same order, so results agree with torch to a few ulp (the order
of rounding is torch's; a compiler's fused multiply-adds may differ in the last bit). float32 i1
and i1e use torch's shorter float tables: the last 17 (A) and 7 (B) coefficients of the double ones.
Every function takes float32 or float64 values of rank >= 1 (constants are 1-d); ``dtype`` is theirs,
read before :func:`~symreg.ops._math_elementwise.rank1` (whose 0-d views hide it from the dynamo exporter).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from symreg.builder import Builder
from symreg.ops._math_elementwise import c

#: Chebyshev coefficients of exp(-x) I0(x) on [0, 8] (Cephes; highest order first).
I0E_A = (
    -4.41534164647933937950E-18,
    3.33079451882223809783E-17,
    -2.43127984654795469359E-16,
    1.71539128555513303061E-15,
    -1.16853328779934516808E-14,
    7.67618549860493561688E-14,
    -4.85644678311192946090E-13,
    2.95505266312963983461E-12,
    -1.72682629144155570723E-11,
    9.67580903537323691224E-11,
    -5.18979560163526290666E-10,
    2.65982372468238665035E-9,
    -1.30002500998624804212E-8,
    6.04699502254191894932E-8,
    -2.67079385394061173391E-7,
    1.11738753912010371815E-6,
    -4.41673835845875056359E-6,
    1.64484480707288970893E-5,
    -5.75419501008210370398E-5,
    1.88502885095841655729E-4,
    -5.76375574538582365885E-4,
    1.63947561694133579842E-3,
    -4.32430999505057594430E-3,
    1.05464603945949983183E-2,
    -2.37374148058994688156E-2,
    4.93052842396707084878E-2,
    -9.49010970480476444210E-2,
    1.71620901522208775349E-1,
    -3.04682672343198398683E-1,
    6.76795274409476084995E-1,
)

#: Chebyshev coefficients of exp(-x) sqrt(x) I0(x) on [8, inf), in 32/x - 2 (Cephes; highest order first).
I0E_B = (
    -7.23318048787475395456E-18,
    -4.83050448594418207126E-18,
    4.46562142029675999901E-17,
    3.46122286769746109310E-17,
    -2.82762398051658348494E-16,
    -3.42548561967721913462E-16,
    1.77256013305652638360E-15,
    3.81168066935262242075E-15,
    -9.55484669882830764870E-15,
    -4.15056934728722208663E-14,
    1.54008621752140982691E-14,
    3.85277838274214270114E-13,
    7.18012445138366623367E-13,
    -1.79417853150680611778E-12,
    -1.32158118404477131188E-11,
    -3.14991652796324136454E-11,
    1.18891471078464383424E-11,
    4.94060238822496958910E-10,
    3.39623202570838634515E-9,
    2.26666899049817806459E-8,
    2.04891858946906374183E-7,
    2.89137052083475648297E-6,
    6.88975834691682398426E-5,
    3.36911647825569408990E-3,
    8.04490411014108831608E-1,
)

#: Chebyshev coefficients of exp(-x) I1(x) / x on [0, 8] (Cephes; highest order first).
I1E_A = (
    2.77791411276104639959E-18,
    -2.11142121435816608115E-17,
    1.55363195773620046921E-16,
    -1.10559694773538630805E-15,
    7.60068429473540693410E-15,
    -5.04218550472791168711E-14,
    3.22379336594557470981E-13,
    -1.98397439776494371520E-12,
    1.17361862988909016308E-11,
    -6.66348972350202774223E-11,
    3.62559028155211703701E-10,
    -1.88724975172282928790E-9,
    9.38153738649577178388E-9,
    -4.44505912879632808065E-8,
    2.00329475355213526229E-7,
    -8.56872026469545474066E-7,
    3.47025130813767847674E-6,
    -1.32731636560394358279E-5,
    4.78156510755005422638E-5,
    -1.61760815825896745588E-4,
    5.12285956168575772895E-4,
    -1.51357245063125314899E-3,
    4.15642294431288815669E-3,
    -1.05640848946261981558E-2,
    2.47264490306265168283E-2,
    -5.29459812080949914269E-2,
    1.02643658689847095384E-1,
    -1.76416518357834055153E-1,
    2.52587186443633654823E-1,
)

#: Chebyshev coefficients of exp(-x) sqrt(x) I1(x) on [8, inf), in 32/x - 2 (Cephes; highest order first).
I1E_B = (
    7.51729631084210481353E-18,
    4.41434832307170791151E-18,
    -4.65030536848935832153E-17,
    -3.20952592199342395980E-17,
    2.96262899764595013876E-16,
    3.30820231092092828324E-16,
    -1.88035477551078244854E-15,
    -3.81440307243700780478E-15,
    1.04202769841288027642E-14,
    4.27244001671195135429E-14,
    -2.10154184277266431302E-14,
    -4.08355111109219731823E-13,
    -7.19855177624590851209E-13,
    2.03562854414708950722E-12,
    1.41258074366137813316E-11,
    3.25260358301548823856E-11,
    -1.89749581235054123450E-11,
    -5.58974346219658380687E-10,
    -3.83538038596423702205E-9,
    -2.63146884688951950684E-8,
    -2.51223623787020892529E-7,
    -3.88256480887769039346E-6,
    -1.10588938762623716291E-4,
    -9.76109749136146840777E-3,
    7.78576235018280120474E-1,
)
#: torch's float tables of i1/i1e: the last coefficients of the double ones.
_I1E_A_FLOAT, _I1E_B_FLOAT = 17, 7


def chbevl(g: Builder, x: Any, coefficients: Sequence[float]) -> Any:
    """Cephes' chbevl: sum of coefficients[i] T_i(x/2) by Clenshaw's recurrence, in torch's order of operations."""
    b0 = c(g, coefficients[0], x)
    b1 = c(g, 0.0, x)
    b2 = b1
    for coefficient in coefficients[1:]:
        b2, b1 = b1, b0
        b0 = g.op("Add", g.op("Sub", g.op("Mul", x, b1), b2), c(g, coefficient, x))
    return g.op("Mul", c(g, 0.5, x), g.op("Sub", b0, b2))


def _series(g: Builder, ax: Any, a: Sequence[float], b: Sequence[float]) -> tuple[Any, Any, Any]:
    """(whether |x| <= 8, the [0, 8] series at |x|/2 - 2, the (8, inf) series at 32/|x| - 2), unscaled."""
    low = g.op("Not", g.op("Greater", ax, c(g, 8.0, ax)))  # NaN gives NaN on either branch
    series_a = chbevl(g, g.op("Sub", g.op("Div", ax, c(g, 2.0, ax)), c(g, 2.0, ax)), a)
    series_b = chbevl(g, g.op("Sub", g.op("Div", c(g, 32.0, ax), ax), c(g, 2.0, ax)), b)
    return low, series_a, series_b


def _tables_i1(dtype: torch.dtype | None) -> tuple[Sequence[float], Sequence[float]]:
    if dtype == torch.float64:
        return I1E_A, I1E_B
    return I1E_A[-_I1E_A_FLOAT:], I1E_B[-_I1E_B_FLOAT:]


def _signed(g: Builder, x: Any, out: Any) -> Any:
    return g.op("Where", g.op("Less", x, c(g, 0.0, x)), g.op("Neg", out), out)


def i0(g: Builder, x: Any) -> Any:
    """I0(x): exp(|x|) chbevl(A) on [0, 8], exp(|x|) chbevl(B) / sqrt(|x|) above."""
    ax = g.op("Abs", x)
    low, series_a, series_b = _series(g, ax, I0E_A, I0E_B)
    e = g.op("Exp", ax)
    high = g.op("Div", g.op("Mul", e, series_b), g.op("Sqrt", ax))
    return g.op("Where", low, g.op("Mul", e, series_a), high)


def i0e(g: Builder, x: Any) -> Any:
    """exp(-|x|) I0(x): chbevl(A) on [0, 8], chbevl(B) / sqrt(|x|) above."""
    ax = g.op("Abs", x)
    low, series_a, series_b = _series(g, ax, I0E_A, I0E_B)
    return g.op("Where", low, series_a, g.op("Div", series_b, g.op("Sqrt", ax)))


def i1(g: Builder, x: Any, dtype: torch.dtype | None) -> Any:
    """I1(x): exp(|x|) |x| chbevl(A) on [0, 8], exp(|x|) chbevl(B) / sqrt(|x|) above; odd."""
    ax = g.op("Abs", x)
    low, series_a, series_b = _series(g, ax, *_tables_i1(dtype))
    e = g.op("Exp", ax)
    out_a = g.op("Mul", g.op("Mul", e, ax), series_a)
    out_b = g.op("Div", g.op("Mul", e, series_b), g.op("Sqrt", ax))
    return _signed(g, x, g.op("Where", low, out_a, out_b))


def i1e(g: Builder, x: Any, dtype: torch.dtype | None) -> Any:
    """exp(-|x|) I1(x): chbevl(A) |x| on [0, 8], chbevl(B) / sqrt(|x|) above; odd."""
    ax = g.op("Abs", x)
    low, series_a, series_b = _series(g, ax, *_tables_i1(dtype))
    out = g.op("Where", low, g.op("Mul", series_a, ax), g.op("Div", series_b, g.op("Sqrt", ax)))
    return _signed(g, x, out)
