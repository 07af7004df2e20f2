"""Running fallback nodes (:mod:`symreg._fallback_calls`) in ONNX Runtime: each calls its op in torch eager.

:func:`symreg.ort.InferenceSession` maps every fallback node of a model onto a PyOp of
onnxruntime-extensions (:mod:`symreg._pyop`), with a Python kernel made for that node: its element
types are the node's own, and it calls the op through ``torch.ops`` with the arguments the node
carries. Each call copies its inputs and outputs and holds the GIL; the model needs Python, torch and
onnxruntime-extensions at run time. Fallback nodes are for prototyping and for finding what a model
needs, not for serving.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import onnx

from symreg import _fallback_calls as calls
from symreg import _fallback_names as names
from symreg import _pyop, dtypes, schemas
from symreg._graphs import all_nodes

#: ORT's words for a node whose op no kernel serves.
_NO_KERNEL = "is not a registered function/op"


def has_fallback_nodes(model: onnx.ModelProto) -> bool:
    return any(names.is_fallback_node(node) for node in all_nodes(model.graph))


def missing_fallback_kernel(error: BaseException) -> bool:
    """Whether ONNX Runtime refused a session because a fallback node has no kernel."""
    text = str(error)
    return _NO_KERNEL in text and names.DOMAIN_PREFIX in text


def kernel_for(node: onnx.NodeProto, known: dict[str, str]) -> Any:
    """The Python kernel that runs fallback node ``node`` (None for any other node)."""
    if not names.is_fallback_node(node):
        return None
    from symreg.pykernels import PyKernel  # pykernels imports this module's users; keep the cycle lazy

    op, overload = names.op_of_node(node)
    attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    out_types = [_element(node, op, "output", i, t) for i, t in enumerate(attrs.get("output_dtypes", []))]
    if len(out_types) != len(node.output):
        raise ValueError(
            f"{_where(node, op)}: output_dtypes lists {len(out_types)} types for {len(node.output)} outputs"
        )
    in_types = []
    for i, name in enumerate(node.input):
        if name not in known:
            raise ValueError(f"{_where(node, op)}: the element type of input {i} ({name!r}) is unknown")
        in_types.append(known[name])
    ins, outs = tuple(f"T{i}" for i in range(len(in_types))), tuple(f"U{i}" for i in range(len(out_types)))
    return PyKernel(
        f"{node.domain}::{node.op_type}",
        functools.partial(_run, op, overload),
        ins,
        outs,
        tuple(zip(ins, ((t,) for t in in_types))) + tuple(zip(outs, ((t,) for t in out_types))),
        (("arguments", str, schemas.REQUIRED), ("output_dtypes", list[int], schemas.REQUIRED)),
    )


def _run(op: str, overload: str, *inputs: np.ndarray, arguments: str, output_dtypes: list[int]) -> tuple:
    return calls.call_torch(op, overload, arguments, inputs)


def _element(node: onnx.NodeProto, op: str, what: str, index: int, onnx_type: int) -> str:
    name = dtypes.schema_type(onnx_type) if onnx_type else "unknown"
    if name not in _pyop.ELEMENTS:
        raise ValueError(
            f"{_where(node, op)}: {what} {index} is {name}, which onnxruntime-extensions' PyOp cannot pass to "
            f"Python (it passes {', '.join(_pyop.ELEMENTS)}); the op needs a rule or a C++ kernel"
        )
    return name


def _where(node: onnx.NodeProto, op: str) -> str:
    label = f" {node.name!r}" if node.name else ""
    return f"symreg.ort.InferenceSession: fallback node{label} ({op})"
