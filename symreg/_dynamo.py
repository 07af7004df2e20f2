"""Dynamo exporter adapter: ``torch.onnx.export(..., dynamo=True)``.

:func:`translation_table` turns the registry into the ``custom_translation_table``
that the torch.export-based exporter takes. Each translation builds its nodes with
onnxscript ops, which the exporter records into the graph; custom-domain ops need a
declared :func:`symreg.schema` for onnxscript to emit them.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import onnx_ir as ir
import onnxscript.values
import torch

from symreg import _torch_compat, dtypes, schemas
from symreg._rule_call import call_rule
from symreg._torch_compat import OpOverload
from symreg._typing import convert_args
from symreg.builder import Builder, TensorInfo, as_array, static_shape
from symreg.errors import ExportError
from symreg.registry import REGISTRY, Rule, op_of

#: The dynamo exporter builds graphs at this opset or higher, then converts down.
GRAPH_MIN_OPSET = 18


class DynamoBuilder(Builder):
    """``g`` over onnxscript ops recorded by the dynamo exporter."""

    def __init__(self, opset: int, op_name: str, overload: str | None = None) -> None:
        self.opset = opset
        self.op_name = op_name
        self.overload = overload or op_name

    def op(self, op_type: str, *inputs: Any, outputs: int = 1, **attrs: Any) -> Any:
        declared = schemas.node_schema(self.op_name, op_type, self.opset)
        domain, _, name = op_type.rpartition("::")
        if op_type == "Split" and outputs > 1:
            return self._split(inputs, outputs, attrs)
        onnx_op = onnxscript.values.Opset(domain, declared.version if declared else self.opset)[name]
        if onnx_op is None:
            raise ExportError(f"{self.op_name}: ONNX has no op {op_type!r} at opset {self.opset}")
        result = onnx_op(*inputs, **{k: _attr_value(v) for k, v in attrs.items()})
        outs = tuple(result) if isinstance(result, (list, tuple)) else (result,)
        if declared is not None and declared.infer is not None:
            infos = declared.infer([self.info(v) if v is not None else None for v in inputs], dict(attrs))
            for out, info in zip(outs, infos):
                _set_type(out, info)
        if outputs > len(outs):
            raise ExportError(f"{self.op_name}: {op_type} has {len(outs)} outputs, the rule asked for {outputs}")
        return outs[0] if outputs == 1 else outs[:outputs]

    def _split(self, inputs: tuple, outputs: int, attrs: dict) -> tuple:
        # torch's graph recorder cannot count Split's outputs unless num_outputs is an
        # attribute, and opset 18 forbids that attribute beside a `split` input.
        if len(inputs) < 2 or inputs[1] is None:
            return tuple(onnxscript.values.Opset("", self.opset).Split(inputs[0], num_outputs=outputs, **attrs))
        sequence = self.op("SplitToSequence", inputs[0], inputs[1], **attrs)
        return tuple(self.op("SequenceAt", sequence, self.constant(np.int64(i))) for i in range(outputs))

    def constant(self, value: Any, dtype: Any = None) -> Any:
        array = np.array(as_array(value, dtype), order="C")
        return onnxscript.values.Opset("", self.opset).Constant(value=ir.tensor(array))

    def constant_value(self, value: Any) -> Any:
        if not isinstance(value, ir.Value):
            return value
        if value.const_value is None:
            return None
        found = value.const_value.numpy().tolist()
        return found[0] if isinstance(found, list) and len(found) == 1 else found

    def info(self, value: Any) -> TensorInfo:
        if not isinstance(value, ir.Value):
            return TensorInfo()
        dtype = None
        if value.dtype is not None:
            try:
                dtype = dtypes.torch_dtype(int(value.dtype))
            except KeyError:
                dtype = None
        shape = None if value.shape is None else static_shape(list(value.shape))
        return TensorInfo(dtype, shape)


def _attr_value(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray):
        return ir.tensor(np.array(value, order="C"))
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def _set_type(value: Any, info: TensorInfo) -> None:
    if info.dtype is not None and isinstance(value, ir.Value):
        value.dtype = ir.DataType(dtypes.onnx_type(info.dtype))
        if info.shape is not None:
            value.shape = ir.Shape([d if isinstance(d, int) else None for d in info.shape])


def _constant_arg(value: Any) -> Any:
    if isinstance(value, ir.Value) or (
        isinstance(value, (list, tuple)) and any(isinstance(v, ir.Value) for v in value)
    ):
        raise LookupError("a graph value, e.g. from a dynamic shape")
    return value


def bind_arguments(overload: OpOverload, args: Sequence[Any], kwargs: Mapping[str, Any]) -> list[Any]:
    """Positional arguments in the op's schema order, defaults filled in (as TorchScript passes them)."""
    values = list(args)
    for name, has_default, default in _torch_compat.schema_defaults(overload)[len(args) :]:
        if name in kwargs:
            values.append(kwargs[name])
        elif has_default:
            values.append(default)
        else:
            break
    return values


def _translation(rule: Rule, overload: OpOverload, opset: int) -> Callable:
    qualified = overload.name()  # "aten::div.Tensor_mode"; "aten::sinh" for the default overload
    outputs, list_output = _torch_compat.schema_outputs(overload)

    def translation(*args: Any, **kwargs: Any) -> Any:
        g = DynamoBuilder(opset, rule.name, qualified)
        values = bind_arguments(overload, args, kwargs)
        converted = convert_args(qualified, rule.params, values, tensor=lambda v: v, constant=_constant_arg, rule=rule)
        return call_rule(
            rule, g, converted, outputs=outputs, list_output=list_output, is_value=lambda v: isinstance(v, ir.Value)
        )

    translation.__name__ = translation.__qualname__ = f"symreg_{rule.name.replace('::', '_').replace('.', '_')}"
    translation.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("args", inspect.Parameter.VAR_POSITIONAL),
            inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD),
        ]
    )
    return translation


def _overloads(op: str) -> dict[str, OpOverload]:
    """Overload name ("" for the default) -> OpOverload, for the op "namespace::op"."""
    namespace, name = op.split("::")
    try:
        packet = getattr(getattr(torch.ops, namespace), name)
    except (AttributeError, RuntimeError):
        return {}  # not loaded in this process (e.g. torchvision not imported): cannot be in a model
    return {
        ("" if o == "default" else o): getattr(packet, o)
        for o in packet.overloads()
        if o != "out" and not o.endswith("_out")
    }


def translation_table(opset: int = GRAPH_MIN_OPSET) -> dict[OpOverload, Callable]:
    """The ``custom_translation_table`` for ``torch.onnx.export(..., dynamo=True)``.

    The dynamo exporter builds its graph at opset ``max(opset, 18)`` and converts it
    down to ``opset`` afterwards, so rules are chosen (and ``g.opset`` is set) for
    that build opset. Only rules that serve the ``"dynamo"`` exporter are included;
    an overload's own rule (``"aten::div.Tensor_mode"``) wins over its op's. Ops
    whose namespace is not loaded yet (import torchvision first for
    ``torchvision::`` ops) are left out.
    """
    build_opset = max(int(opset), GRAPH_MIN_OPSET)
    table: dict[OpOverload, Callable] = {}
    for op in sorted({op_of(name) for name in REGISTRY.names()}):
        for suffix, overload in _overloads(op).items():
            rule = REGISTRY.lookup_overload(op, suffix, build_opset, "dynamo")
            if rule is not None:
                table[overload] = _translation(rule, overload, build_opset)
    return table
