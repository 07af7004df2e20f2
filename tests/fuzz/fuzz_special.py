"""The special functions (symreg::Digamma, symreg::Zeta, ...): random shapes and values, valid and invalid nodes.

One object per op in ``OPS``, each with the attributes of a fuzz module (tests/fuzz/fuzz_ops.py).
Binary ops get shape pairs that broadcast (and one in ten that does not: ORT must refuse them with
an error naming the op and both shapes). Polynomial degrees are integers and halves in [-3, 60] or
non-finite/huge values (whose cast to int64 gives torch's INT64_MIN): Laguerre and Legendre loop to
the degree, as torch does, so a random 1e15 would run for days. Likewise zeta(x, q) with x a (large,
hence) integer and q negative, not an integer, steps q up by one to 9: zeta's q stays above -100.

Reference: torch's function in the input's dtype, run by torch's own CPU build of the ISA's kind
(``REFERENCE_PER_ISA``: ATEN_CPU_CAPABILITY=default for the baseline build, avx2, avx512), since
the kernels run torch's code and match the build of the same kind: bit for bit for the baseline,
within a few ulp where the compilers fused other multiply-adds (igamma, bessel_y1) or torch
uses SLEEF (lgamma; but where SLEEF's lgammaf overflows early, x in [4.04e36, 4.09e36], the float64
value is the reference). Tolerance: 1e-6 (float32) / 1e-12 (float64) relative plus 1e-6 / 1e-14
absolute; NaN and ±inf exactly.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
from fuzz_common import FLOATS, assert_same_values, inject, specials
from hypothesis import strategies as st

EXAMPLES = 20  # per op in `make test`
RTOL = {np.float32: 1e-6, np.float64: 1e-12}
ATOL = {np.float32: 1e-6, np.float64: 1e-14}
BAD_DTYPES = {"float16": np.float16, "int32": np.int32, "int64": np.int64, "bool": np.bool_}

#: symreg op -> (torch function in torch.ops.aten, arity); symreg/ops/special.py's UNARY and BINARY, spelled out
#: here because the reference worker imports this module before symreg.
_OPS = {
    "AiryAi": ("special_airy_ai", 1), "BesselJ0": ("special_bessel_j0", 1), "BesselJ1": ("special_bessel_j1", 1),
    "BesselY0": ("special_bessel_y0", 1), "BesselY1": ("special_bessel_y1", 1), "Digamma": ("digamma", 1),
    "Lgamma": ("lgamma", 1), "ModifiedBesselI0": ("special_modified_bessel_i0", 1),
    "ModifiedBesselI1": ("special_modified_bessel_i1", 1), "ModifiedBesselK0": ("special_modified_bessel_k0", 1),
    "ModifiedBesselK1": ("special_modified_bessel_k1", 1), "Ndtri": ("special_ndtri", 1),
    "ScaledModifiedBesselK0": ("special_scaled_modified_bessel_k0", 1),
    "ScaledModifiedBesselK1": ("special_scaled_modified_bessel_k1", 1),
    "Igamma": ("igamma", 2), "Igammac": ("igammac", 2), "Nextafter": ("nextafter", 2), "Zeta": ("special_zeta", 2),
    **{
        "".join(w.title() if len(w) > 1 else w.upper() for w in name.split("_")): (f"special_{name}", 2)
        for name in ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
                     "chebyshev_polynomial_w", "hermite_polynomial_h", "hermite_polynomial_he",
                     "laguerre_polynomial_l", "legendre_polynomial_p", "shifted_chebyshev_polynomial_t",
                     "shifted_chebyshev_polynomial_u", "shifted_chebyshev_polynomial_v",
                     "shifted_chebyshev_polynomial_w"]
    },
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Spec:
    dtype: str
    shapes: tuple[tuple[int, ...], ...]  # one per input
    seed: int
    values: str  # how the bulk is drawn: unit, wide, tiny, huge, bits (any bit pattern)
    pokes: tuple[tuple[float, float], ...]  # (where, special value), into the first input
    threads: int = 1
    constant: bool = False  # the first input an initializer
    mixed: bool = False  # the second input float64 beside a float32 first (binary ops)


def _broadcast(shape: tuple[int, ...]):
    """A shape that broadcasts with ``shape``: some of its dims made 1, some leading ones dropped."""
    return st.tuples(st.integers(0, len(shape)), st.lists(st.booleans(), min_size=len(shape), max_size=len(shape))).map(
        lambda t: tuple(1 if one else d for d, one in zip(shape, t[1]))[t[0] :]
    )


@st.composite
def _shapes(draw, arity: int):
    small = st.lists(st.integers(0, 5), min_size=0, max_size=4).map(tuple)
    shape = draw(st.one_of(small, small, small, st.integers(4096, 20_000).map(lambda n: (n,))))
    if arity == 1:
        return (shape,)
    if draw(st.integers(0, 9)) == 0:  # one in ten that need not broadcast
        return (shape, draw(small))
    other = draw(_broadcast(shape))
    return (shape, other) if draw(st.booleans()) else (other, shape)


def _broadcasts(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return all(x == y or x == 1 or y == 1 for x, y in zip(reversed(a), reversed(b)))


class SpecialFuzz:
    """The fuzz strategy of one special function (the attributes test_fuzz.py reads of a fuzz module)."""

    REFERENCE_PER_ISA = True

    def __init__(self, kernel: str):
        self.NAME = f"symreg::{kernel}"
        self.kernel = kernel
        self.torch_name, self.arity = _OPS[kernel]
        self.polynomial = "Polynomial" in kernel

    def specs(self):
        return _specs(self.arity)

    def build(self, spec: Spec) -> dict:
        dtype = FLOATS.get(spec.dtype) or BAD_DTYPES[spec.dtype]
        work = FLOATS.get(spec.dtype, np.float64)
        rng = np.random.default_rng(spec.seed)
        arrays = []
        for i, shape in enumerate(spec.shapes):
            n = int(np.prod(shape))
            if i == 1 and self.polynomial:
                x = self._degrees(rng, n, work)
            else:
                x = _values(rng, spec.values, n, work)
            if i == 1 and self.kernel == "Zeta":
                x = np.where(x < -100, -x, x)  # see the module docstring
            x = x.reshape(shape)
            if i == 0:
                inject(x, spec.pokes)
            with np.errstate(invalid="ignore", over="ignore"):
                arrays.append(x.astype(np.float64 if (i == 1 and spec.mixed) else dtype))
        names = ["x", "y"][: self.arity]
        return {
            "op": self.NAME, "inputs": list(zip(names, arrays)), "attrs": {}, "outputs": 1,
            "constant": ["x"] if spec.constant else [], "threads": spec.threads,
        }  # fmt: skip

    @staticmethod
    def _degrees(rng, n: int, work) -> np.ndarray:
        small = rng.integers(-3, 61, n) + rng.choice([0.0, 0.5], n, p=[0.8, 0.2])
        wild = rng.choice([np.nan, np.inf, -np.inf, 1e19, -1e19, float(np.finfo(work).max)], n)
        return np.where(rng.uniform(size=n) < 0.9, small, wild).astype(work)

    def problems(self, spec: Spec) -> list[str]:
        """What ORT must report (regular expressions, any one); empty for a valid node."""
        if spec.dtype in BAD_DTYPES:
            return [
                rf"Type 'tensor\({spec.dtype}\)' of input parameter \(x\) of operator \({self.kernel}\) .*is invalid"
            ]
        if spec.mixed:
            return [rf"Op \({self.kernel}\) .*no kernel def matches node inputs"]
        if self.arity == 2 and not _broadcasts(*spec.shapes):
            a, b = (re.escape(str(list(s))) for s in spec.shapes)
            return [rf"symreg::{self.kernel}: the inputs' shapes {a} and {b} do not broadcast"]
        return []

    def reference(self, case: dict) -> list[np.ndarray]:
        import torch

        fn = getattr(torch.ops.aten, self.torch_name)
        tensors = [torch.from_numpy(a.copy()) for _, a in case["inputs"]]  # copy: 0-d stays 0-d
        out = fn(*tensors).numpy()
        if self.kernel == "Lgamma" and out.dtype == np.float32:
            # torch's vectorised lgammaf (SLEEF, its AVX2/AVX-512 builds) overflows to inf from x = 4.04e36 on,
            # where lgamma stays below FLT_MAX up to 4.09e36: there the float64 value rounded is the reference.
            exact = fn(tensors[0].double()).numpy().astype(np.float32)
            out = np.where(np.isinf(out) & np.isfinite(exact), exact, out)
        return [out]

    def compare(self, spec: Spec, case: dict, got: list[np.ndarray], want: list[np.ndarray], what: str) -> None:
        assert len(got) == 1, f"{what}: {len(got)} outputs"
        dtype = FLOATS[spec.dtype]
        tol = RTOL[dtype] * np.abs(want[0].astype(np.float64)) + ATOL[dtype]
        assert_same_values(got[0], want[0], tol, what)


def _values(rng, how: str, n: int, work) -> np.ndarray:
    sign = rng.choice([-1.0, 1.0], n)
    with np.errstate(over="ignore", under="ignore"):
        if how == "bits":
            ints = np.uint32 if work == np.float32 else np.uint64
            return rng.integers(0, np.iinfo(ints).max, n, dtype=ints, endpoint=True).view(work)
        return {
            "unit": lambda: rng.uniform(-1, 1, n),
            "wide": lambda: rng.uniform(-30, 60, n),
            "tiny": lambda: sign * 10.0 ** -rng.uniform(0, 330, n),
            "huge": lambda: sign * 10.0 ** rng.uniform(0, 310, n),
        }[how]().astype(work)


def _specs(arity: int):
    @st.composite
    def specs(draw) -> Spec:
        bad = draw(st.integers(0, 9)) == 0  # one in ten of another dtype
        dtype = draw(st.sampled_from(list(BAD_DTYPES) if bad else list(FLOATS)))
        probe = FLOATS.get(dtype, np.float32)
        pokes = draw(
            st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(specials(probe))), max_size=6)
        )
        mixed = arity == 2 and dtype == "float32" and draw(st.integers(0, 19)) == 0
        return Spec(
            dtype=dtype, shapes=draw(_shapes(arity)), seed=draw(st.integers(0, 2**32 - 1)),
            values=draw(st.sampled_from(["unit", "wide", "wide", "tiny", "huge", "bits"])), pokes=tuple(pokes),
            threads=draw(st.sampled_from([1, 2])), constant=draw(st.booleans()), mixed=mixed,
        )  # fmt: skip

    return specs()


OPS: tuple[SpecialFuzz, ...] = tuple(SpecialFuzz(kernel) for kernel in sorted(_OPS))
