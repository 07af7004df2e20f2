"""The scan and mode kernels (``symreg::Cumprod``, ``Cumsum``, ``Cummax``, ``Cummin``, ``LogCumSumExp``, ``Mode``):
random shapes (ranks 0 to 4, empty dims, long dims), any axis, values with ties or spread, NaN/±inf/±0 poked in,
float32, float64 and int64 (not LogCumSumExp); 1 or 2 threads; one in ten nodes invalid: another dtype, an axis out
of range, an axis of another type, Mode's keepdims out of {0, 1}, or Mode of an empty slice.

Reference: eager torch in the input's dtype, which the kernels match exactly (torch's CPU arithmetic and, for mode,
its std::sort of (value, index) pairs): outputs compare bit for bit, NaN where torch has NaN.
"""

from __future__ import annotations

import dataclasses
import types

import numpy as np
from fuzz_common import inject, specials
from hypothesis import strategies as st

DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64}
OUTPUTS = {"Cummax": [None, "int64"], "Cummin": [None, "int64"], "Cumprod": [None], "Cumsum": [None],
           "LogCumSumExp": [None], "Mode": [None, "int64"]}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Spec:
    op: str
    dtype: str
    shape: tuple[int, ...]
    axis: int
    seed: int
    values: str  # ties, spread, units (factors ±0.5, ±1, ±2)
    pokes: tuple[tuple[float, float], ...]
    keepdims: int = 1
    threads: int = 1
    bad: str = ""  # "", "dtype", "axis", "axis_type", "keepdims": the node is invalid (so is Mode of an empty slice)


def _specs(name: str):
    op = name.split("::")[1]

    @st.composite
    def specs(draw) -> Spec:
        bad = draw(st.sampled_from([""] * 18 + ["dtype", "axis", "axis_type"] + (["keepdims"] if op == "Mode" else [])))
        dims = st.lists(st.integers(0, 6), max_size=4).map(tuple)
        shape = draw(st.one_of(dims, dims, dims, st.tuples(st.integers(1, 3), st.integers(100, 3000))))
        span = max(len(shape), 1)
        axis = draw(st.integers(-span, span - 1))
        if bad == "axis":
            axis = draw(st.sampled_from([span, span + 3, -span - 1]))
        dtypes = ["float32", "float64"] + ([] if op == "LogCumSumExp" else ["int64"])
        pokes = draw(st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.sampled_from(specials(np.float64))),
                              max_size=4)) if draw(st.booleans()) else []  # fmt: skip
        return Spec(
            op=name, dtype="int32" if bad == "dtype" else draw(st.sampled_from(dtypes)), shape=shape, axis=axis,
            seed=draw(st.integers(0, 2**32 - 1)), values=draw(st.sampled_from(["ties", "spread", "units"])),
            pokes=tuple(pokes), keepdims=2 if bad == "keepdims" else draw(st.sampled_from([0, 1])),
            threads=draw(st.sampled_from([1, 2])), bad=bad,
        )  # fmt: skip

    return specs


def _empty_mode_slice(spec: Spec) -> bool:
    """Mode along an axis of size 0: torch refuses it, even where there are no slices."""
    return bool(spec.shape) and spec.shape[spec.axis % len(spec.shape)] == 0


def _build(spec: Spec) -> dict:
    rng = np.random.default_rng(spec.seed)
    dtype = DTYPES.get(spec.dtype, np.int32)
    if spec.values == "ties":
        x = rng.integers(-3, 4, spec.shape).astype(np.float64)
    elif spec.values == "units":
        x = rng.choice([-2.0, -1.0, -0.5, 0.5, 1.0, 2.0], spec.shape)
    else:
        x = rng.standard_normal(spec.shape) * 50
    x = np.asarray(x)
    if dtype != np.int64 and dtype != np.int32:
        inject(x, spec.pokes)
    with np.errstate(invalid="ignore", over="ignore"):
        x = np.asarray(x.astype(dtype))
    short = spec.op.split("::")[1]
    attrs = {"axis": 1.5 if spec.bad == "axis_type" else spec.axis}
    if short == "Mode":
        attrs["keepdims"] = spec.keepdims
    return {
        "op": spec.op, "inputs": [("X", x)], "attrs": attrs, "outputs": len(OUTPUTS[short]),
        "output_types": OUTPUTS[short], "constant": [], "threads": spec.threads,
    }  # fmt: skip


def _problems(spec: Spec, case: dict) -> list[str]:
    short = spec.op.split("::")[1]
    if spec.bad == "dtype":
        return [rf"Type 'tensor\(int32\)' of input parameter \(X\) of operator \({short}\)"]
    if spec.bad == "axis":
        return [rf"{short}: attribute axis {spec.axis} is out of range"]
    if spec.bad == "axis_type":
        return [rf"{short}: attribute axis must be an int"]
    if spec.bad == "keepdims":
        return [r"Mode: attribute keepdims must be 0 or 1"]
    if short == "Mode" and _empty_mode_slice(spec):
        return [r"Mode: axis \d+ of input X .* has no elements"]
    return []


def _reference(case: dict) -> list[np.ndarray]:
    import torch

    short = case["op"].split("::")[1]
    x = torch.from_numpy(np.array(case["inputs"][0][1]))
    axis = case["attrs"]["axis"]
    if short == "Cumprod":
        return [torch.cumprod(x, axis).numpy()]
    if short == "Cumsum":
        return [torch.cumsum(x, axis).numpy()]
    if short == "LogCumSumExp":
        return [torch.logcumsumexp(x, axis).numpy()]
    if short == "Mode":
        return [t.numpy() for t in torch.mode(x, axis, keepdim=bool(case["attrs"]["keepdims"]))]
    return [t.numpy() for t in (torch.cummax if short == "Cummax" else torch.cummin)(x, axis)]


def _compare(spec: Spec, case: dict, got: list[np.ndarray], want: list[np.ndarray], what: str) -> None:
    assert len(got) == len(want), f"{what}: {len(got)} outputs"
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype and g.shape == w.shape, (
            f"{what}: output {i} {g.dtype}{g.shape}, want {w.dtype}{w.shape}"
        )
        np.testing.assert_array_equal(g, w, err_msg=f"{what}: output {i}")  # NaN equals NaN here


def _entry(op: str) -> types.SimpleNamespace:
    return types.SimpleNamespace(NAME=op, specs=_specs(op), build=_build, problems=_problems, reference=_reference,
                                 compare=_compare)  # fmt: skip


OPS = tuple(_entry(f"symreg::{name}") for name in sorted(OUTPUTS))
