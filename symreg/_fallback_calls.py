"""Fallback nodes: a call of a torch op that has no rule, kept as a custom-domain node that runs the op in torch.

``symreg.export(..., fallback="python")`` writes one node per call of an op that neither the exporter
nor symreg can export (:mod:`symreg._fallback_torchscript`, :mod:`symreg._fallback_dynamo`), and
:func:`symreg.ort.InferenceSession` runs it by calling the op in torch eager (:mod:`symreg._fallback_runtime`).
A node describes its call completely:

- domain ``symreg.<namespace>`` (``symreg.aten``, ``symreg.mylib``), version 1; op type the op's name
  (``ctc_loss``), followed by ``.<overload>`` for an overload other than the default (``max.dim``);
- inputs: the tensors of the call in argument order (a tensor list contributes its elements, a size
  that was not a constant when exported contributes a 0-d int64 tensor);
- attributes: ``arguments``, a JSON list with one entry per argument of the op's schema (see
  :func:`encode_argument`), and ``output_dtypes``, the ONNX element type of each output, which the
  op's declared schema (:func:`declare_schema`) reads to type them.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import math
import re
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import onnx
import onnx.defs
import torch

from symreg import _torch_compat, dtypes
from symreg._fallback_names import DOMAIN_PREFIX, is_fallback_node

_ELEMENT_TYPES = [
    f"tensor({row.schema})" for row in dtypes.TABLE if row.numpy is not None or row.torch == torch.bfloat16
]
_lock = threading.Lock()
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # terminal colours, which torch's exporters put in their errors
_DECLARED: dict[tuple[str, str], int] = {}  # (domain, op type) -> outputs


@dataclasses.dataclass(frozen=True)
class Refusal:
    """One call that the exporter could not convert, and what became of it."""

    op: str  # "aten::ctc_loss"
    overload: str  # "Tensor", "default"
    scope: str  # the module path, "encoder.layers.0.attn" ("" for the top module)
    reason: str  # the exporter's error, first line (error_line)


def overload_packet(op: str, overload: str) -> Any:
    """``torch.ops.<namespace>.<name>.<overload>``; LookupError naming what is missing."""
    namespace, name = op.split("::")
    try:
        return getattr(getattr(getattr(torch.ops, namespace), name), overload or "default")
    except (AttributeError, RuntimeError) as e:
        raise LookupError(
            f"torch has no op {op}.{overload or 'default'} in this process (import the library that defines it)"
        ) from e


def unsupported_outputs(overload: Any) -> str | None:
    """Why a fallback node cannot stand for calls of ``overload`` (an ``OpOverload``), or None when it can."""
    tensors = _torch_compat.returns_tensors(overload)
    if tensors is None:
        return "it returns nothing (an in-place or out= op)"
    if not tensors:
        return "it returns a list of tensors or a non-tensor (a fallback node has a fixed number of tensor outputs)"
    return None


def declare_schema(domain: str, op_type: str, outputs: int) -> None:
    """Registers the ONNX schema of a fallback op with ``onnx.defs`` (once per process).

    Variadic inputs of any element type, ``outputs`` outputs typed by ``output_dtypes``: the schema
    lets onnxscript emit the node, the checker accept it, and shape inference (the dynamo exporter's
    optimizer included) keep its outputs' types.
    """
    with _lock:
        known = _DECLARED.get((domain, op_type))
        if known is not None:
            if known != outputs:
                raise ValueError(f"{domain}::{op_type} was declared with {known} outputs, now {outputs}")
            return
        formal = onnx.defs.OpSchema.FormalParameter
        variadic = onnx.defs.OpSchema.FormalParameterOption.Variadic
        attr = onnx.defs.OpSchema.Attribute
        schema = onnx.defs.OpSchema(
            op_type,
            domain,
            1,
            f"symreg's ATen fallback: one call of {domain[len(DOMAIN_PREFIX) :]}::{op_type}, run in torch eager.",
            inputs=[formal("inputs", "T", param_option=variadic, is_homogeneous=False, min_arity=0)],
            outputs=[formal(f"output{i}", f"U{i}") for i in range(outputs)],
            type_constraints=[("T", _ELEMENT_TYPES, "")] + [(f"U{i}", _ELEMENT_TYPES, "") for i in range(outputs)],
            attributes=[
                attr("arguments", onnx.defs.OpSchema.AttrType.STRING, "the call's arguments, JSON", required=True),
                attr("output_dtypes", onnx.defs.OpSchema.AttrType.INTS, "ONNX element type per output", required=True),
            ],
        )
        schema.set_type_and_shape_inference_function(_infer_output_types)
        onnx.defs.register_schema(schema)
        _DECLARED[(domain, op_type)] = outputs


def declare_schemas_of(model: onnx.ModelProto) -> None:
    """Declares the schema of every fallback op in ``model`` (e.g. one loaded in a new process)."""
    from symreg._graphs import all_nodes

    for node in all_nodes(model.graph):
        if is_fallback_node(node):
            declare_schema(node.domain, node.op_type, len(node.output))


def _infer_output_types(ctx: Any) -> None:
    proto = ctx.get_attribute("output_dtypes")
    if proto is None:
        return
    for i, elem_type in enumerate(onnx.helper.get_attribute_value(proto)[: ctx.get_num_outputs()]):
        if elem_type:
            out = onnx.TypeProto()
            out.tensor_type.elem_type = elem_type
            ctx.set_output_type(i, out)


# --- arguments ---------------------------------------------------------------------------
#
# One JSON entry per argument of the op's schema:
#   {"input": i}             tensor input i
#   {"inputs": [i, null]}    a tensor list: inputs, null for a None element (Tensor?[])
#   {"scalar": i}            a number that input i (0-d) holds at run time, e.g. a dynamic size
#   {"list": [entry, ...]}   a list of ints some of which are only known at run time
#   {"dtype": "float32"}     a torch dtype
#   {"value": v}             any other constant (number, bool, string, list, null); NaN and
#                            infinities as the strings "nan", "inf", "-inf" under {"float": ...}


def encode_constant(value: Any) -> dict[str, Any]:
    """The JSON entry of a constant argument (a dtype, a number, a string, a list, None)."""
    if isinstance(value, torch.dtype):
        return {"dtype": str(value).removeprefix("torch.")}
    if isinstance(value, (torch.device, torch.layout, torch.memory_format)):
        return {"value": None}  # the kernel runs on the CPU, strided, contiguous: torch's defaults
    if isinstance(value, float) and not math.isfinite(value):
        return {"float": repr(value)}
    if isinstance(value, (list, tuple)) and any(isinstance(v, float) and not math.isfinite(v) for v in value):
        return {"floats": [repr(float(v)) for v in value]}
    if isinstance(value, (list, tuple)):
        return {"value": [v.item() if isinstance(v, (np.generic, torch.Tensor)) else v for v in value]}
    if isinstance(value, (np.generic, torch.Tensor)):
        return {"value": value.item()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return {"value": value}
    raise TypeError(f"a fallback node cannot carry the argument {value!r} ({type(value).__name__})")


def dumps(arguments: Sequence[dict[str, Any]]) -> str:
    return json.dumps(list(arguments), separators=(",", ":"))


def call_torch(op: str, overload: str, arguments: str, inputs: Sequence[np.ndarray]) -> tuple[np.ndarray, ...]:
    """Runs one fallback node: the op in torch eager on ``inputs``; its outputs as arrays."""
    packet, entries = _call_plan(op, overload, arguments)
    # onnxruntime-extensions may hand over read-only views of ORT's buffers: torch needs writable memory
    tensors = [torch.from_numpy(a if a.flags.writeable else a.copy()) for a in inputs]
    args, kwargs = [], {}
    for (name, kwarg_only), entry in entries:
        value = _decode(entry, tensors)
        if kwarg_only:
            kwargs[name] = value
        else:
            args.append(value)
    with torch.inference_mode():
        result = packet(*args, **kwargs)
    results = result if isinstance(result, (tuple, list)) else (result,)
    return tuple(r.detach().cpu().resolve_conj().resolve_neg().numpy() for r in results)


@functools.lru_cache(maxsize=4096)
def _call_plan(op: str, overload: str, arguments: str) -> tuple[Any, tuple]:
    """The op and each argument's (name, keyword-only) with its entry: parsed once per node, not per run."""
    packet = overload_packet(op, overload)
    schema = [(a.name, a.kwarg_only) for a in _torch_compat.schema_arguments(packet)]
    return packet, tuple(zip(schema, json.loads(arguments)))


def _decode(entry: dict[str, Any], tensors: list[torch.Tensor]) -> Any:
    ((kind, value),) = entry.items()
    if kind == "input":
        return tensors[value]
    if kind == "inputs":
        return [None if i is None else tensors[i] for i in value]
    if kind == "scalar":
        return tensors[value].item()
    if kind == "list":
        return [_decode(e, tensors) for e in value]
    if kind == "dtype":
        return getattr(torch, value)
    if kind == "float":
        return float(value)
    if kind == "floats":
        return [float(v) for v in value]
    if kind == "value":
        return value
    raise ValueError(f"unknown argument entry {entry!r}")


def error_line(error: BaseException, limit: int | None = None) -> str:
    """``Type: first line`` of an error (its first non-blank line, terminal colours removed, at most ``limit``
    characters of it): the reason a refusal records and the doctor shows."""
    lines = [line for line in _ANSI.sub("", str(error)).strip().splitlines() if line.strip()]
    return f"{type(error).__name__}: {(lines[0] if lines else '')[:limit]}"
