"""What every op's fuzz strategy shares: the case format, the one-node model, value pools, the comparison.

A case is a plain dict (it is pickled to the workers):
``op`` ("symreg::Erfinv"), ``inputs`` [(name, array or None)] in the node's order (None: an
empty name, an omitted optional input), ``attrs`` {name: value} (``onnx.helper.make_attribute``
values; an ``AttributeProto`` for an explicitly typed one), ``outputs`` (how many the node
declares), ``output_types`` (optional: each output's numpy dtype name, None for the first input's),
``constant`` (names of inputs made initializers), ``threads`` (ORT intra-op threads).
"""

from __future__ import annotations

import numpy as np

FLOATS = {"float32": np.float32, "float64": np.float64}


def model_bytes(case: dict) -> tuple[bytes, dict]:
    """The one-node model of ``case`` (all dims dynamic, ranks unknown) and its feeds."""
    import onnx
    from onnx import helper, numpy_helper

    domain, op_type = case["op"].split("::")
    names = [name if a is not None else "" for name, a in case["inputs"]]
    while names and not names[-1]:
        names.pop()
    present = [(n, a) for n, a in case["inputs"] if a is not None]
    constant = set(case.get("constant", ()))
    elem = helper.np_dtype_to_tensor_dtype(present[0][1].dtype) if present else onnx.TensorProto.FLOAT
    outputs = [f"y{i}" for i in range(case.get("outputs", 1))]
    node = helper.make_node(op_type, names, outputs, domain=domain)
    for name, value in case["attrs"].items():
        node.attribute.append(value if isinstance(value, onnx.AttributeProto) else helper.make_attribute(name, value))
    graph = helper.make_graph(
        [node],
        f"fuzz_{op_type}",
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype), None)
         for n, a in present if n not in constant],
        [helper.make_tensor_value_info(y, helper.np_dtype_to_tensor_dtype(np.dtype(t)) if t else elem, None)
         for y, t in zip(outputs, case.get("output_types") or [None] * len(outputs))],
        initializer=[numpy_helper.from_array(a, n) for n, a in present if n in constant],
    )  # fmt: skip
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid(domain, 1)]
    model = helper.make_model(graph, opset_imports=opsets, ir_version=10)
    return model.SerializeToString(), {n: a for n, a in present if n not in constant}


def specials(dtype) -> list[float]:
    """Values that break arithmetic: NaN, ±inf, ±0, the extremes and the smallest subnormal."""
    info = np.finfo(dtype)
    return [np.nan, np.inf, -np.inf, 0.0, -0.0, float(info.max), -float(info.max), float(info.tiny),
            float(info.smallest_subnormal), -float(info.smallest_subnormal), 1.0, -1.0]  # fmt: skip


def inject(a: np.ndarray, pokes: tuple[tuple[float, float], ...]) -> None:
    """Sets ``a.flat[int(where * a.size)] = value`` for each (where in [0, 1), value)."""
    if a.size:
        with np.errstate(over="ignore"):
            for where, value in pokes:
                a.flat[min(int(where * a.size), a.size - 1)] = value


def assert_same_values(got: np.ndarray, want: np.ndarray, tol: np.ndarray | float, what: str) -> None:
    """NaN, +inf and -inf exactly where ``want`` has them; elsewhere ``|got - want| <= tol`` (per element)."""
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, want {want.dtype}"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    if not got.size:
        return
    g, w = got.astype(np.float64), want.astype(np.float64)
    tol = np.broadcast_to(np.asarray(tol, np.float64), w.shape)
    nonfinite = ~np.isfinite(w)
    with np.errstate(invalid="ignore", over="ignore"):
        ok = np.where(nonfinite, (g == w) | (np.isnan(g) & np.isnan(w)), np.abs(g - w) <= tol)
    if not ok.all():
        bad = np.argwhere(~ok)[:6]
        detail = "; ".join(f"{tuple(int(i) for i in idx)}: got {g[tuple(idx)]!r} want {w[tuple(idx)]!r} "
                           f"(tol {tol[tuple(idx)]:.3g})" for idx in bad)  # fmt: skip
        raise AssertionError(f"{what}: {int((~ok).sum())} of {ok.size} values differ; {detail}")
