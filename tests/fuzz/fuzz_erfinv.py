"""symreg::Erfinv: random shapes and values (every float class), valid and invalid nodes.

Reference: ``torch.erfinv`` in the input's dtype. Tolerance (as tests/ops/test_erfinv.py
holds the kernel to): relative 1e-6 (float32) / 1e-12 (float64) of the reference, plus two
smallest subnormals absolute (a subnormal result has fewer significant bits than any
relative bound assumes); NaN and ±inf exactly, and ±0 with its sign.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from fuzz_common import FLOATS, assert_same_values, inject, specials
from hypothesis import strategies as st

NAME = "symreg::Erfinv"
RTOL = {np.float32: 1e-6, np.float64: 1e-12}
# dtypes the op does not take: ORT's type check names the op, the input and the type
BAD_DTYPES = {"float16": np.float16, "int32": np.int32, "int64": np.int64, "bool": np.bool_}


@dataclasses.dataclass(frozen=True)
class Spec:
    dtype: str
    shape: tuple[int, ...]
    seed: int
    values: str  # how the bulk is drawn: unit, edge (near ±1), tiny, huge, bits (any bit pattern)
    pokes: tuple[tuple[float, float], ...]  # (where, special value)
    threads: int = 1
    constant: bool = False  # the input an initializer
    extra: str = ""  # "", "two_inputs", "two_outputs": the node is malformed


def _shapes():
    small = st.lists(st.integers(0, 6), min_size=0, max_size=4).map(tuple)
    large = st.integers(4096, 70_000).map(lambda n: (n,))  # > one parallel chunk (4096)
    return st.one_of(small, small, small, large)


@st.composite
def specs(draw) -> Spec:
    bad = draw(st.integers(0, 9)) == 0  # one in ten of another dtype
    dtype = draw(st.sampled_from(list(BAD_DTYPES) if bad else list(FLOATS)))
    probe = FLOATS.get(dtype, np.float32)
    pokes = draw(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(specials(probe))), max_size=6))
    return Spec(
        dtype=dtype, shape=draw(_shapes()), seed=draw(st.integers(0, 2**32 - 1)),
        values=draw(st.sampled_from(["unit", "edge", "tiny", "huge", "bits"])), pokes=tuple(pokes),
        threads=draw(st.sampled_from([1, 2])), constant=draw(st.booleans()),
        extra=draw(st.sampled_from([""] * 18 + ["two_inputs", "two_outputs"])),
    )  # fmt: skip


def build(spec: Spec) -> dict:
    dtype = FLOATS.get(spec.dtype) or BAD_DTYPES[spec.dtype]
    work = FLOATS.get(spec.dtype, np.float64)
    rng = np.random.default_rng(spec.seed)
    n = int(np.prod(spec.shape))
    sign = rng.choice([-1.0, 1.0], n)
    with np.errstate(over="ignore", under="ignore"):
        if spec.values == "bits":
            ints = np.uint32 if work == np.float32 else np.uint64
            x = rng.integers(0, np.iinfo(ints).max, n, dtype=ints, endpoint=True).view(work)
        else:
            x = {
                "unit": lambda: rng.uniform(-1, 1, n),
                "edge": lambda: sign * (1 - 10.0 ** -rng.uniform(0, 17, n)),
                "tiny": lambda: sign * 10.0 ** -rng.uniform(0, 330, n),
                "huge": lambda: sign * 10.0 ** rng.uniform(0, 310, n),
            }[spec.values]().astype(work)
    x = x.reshape(spec.shape)
    inject(x, spec.pokes)
    with np.errstate(invalid="ignore", over="ignore"):
        x = x.astype(dtype)
    inputs = [("x", x)]
    if spec.extra == "two_inputs":
        inputs.append(("x2", x.copy()))
    return {
        "op": NAME, "inputs": inputs, "attrs": {}, "outputs": 2 if spec.extra == "two_outputs" else 1,
        "constant": ["x"] if spec.constant else [], "threads": spec.threads,
    }  # fmt: skip


def problems(spec: Spec) -> list[str]:
    """What ORT must report (regular expressions, any one); empty for a valid node."""
    if spec.extra == "two_inputs":
        return [r"Erfinv.*has input size 2 not in range \[min=\d+, max=1\]"]
    if spec.extra == "two_outputs":
        return [r"Erfinv.*has output size 2 not in range \[min=\d+, max=1\]"]
    if spec.dtype in BAD_DTYPES:
        return [rf"Type 'tensor\({spec.dtype}\)' of input parameter \(x\) of operator \(Erfinv\) .*is invalid"]
    return []


def reference(case: dict) -> list[np.ndarray]:
    import torch

    x = case["inputs"][0][1].copy()  # not np.ascontiguousarray, which makes a 0-d array 1-d
    return [torch.erfinv(torch.from_numpy(x)).numpy()]


def compare(spec: Spec, case: dict, got: list[np.ndarray], want: list[np.ndarray], what: str) -> None:
    assert len(got) == 1, f"{what}: {len(got)} outputs"
    dtype = FLOATS[spec.dtype]
    tol = RTOL[dtype] * np.abs(want[0].astype(np.float64)) + 2 * float(np.finfo(dtype).smallest_subnormal)
    assert_same_values(got[0], want[0], tol, what)
    zero = want[0] == 0
    signs = np.signbit(got[0][zero]) == np.signbit(want[0][zero])
    assert signs.all(), f"{what}: a zero with the wrong sign at {np.argwhere(zero)[~signs][:3].tolist()}"
