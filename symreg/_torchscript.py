"""TorchScript exporter adapter: ``torch.onnx.export(..., dynamo=False)``.

Every rule in the registry is mirrored into torch with
``torch.onnx.register_custom_op_symbolic`` at each opset from the rule's own up to
the TorchScript exporter's highest, so a symreg rule wins over torch's built-ins at
every opset it covers. Removing rules restores exactly what torch had before.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from symreg import _torch_compat, schemas
from symreg._typing import convert_args
from symreg.builder import Builder, TensorInfo, as_array, static_shape
from symreg.errors import ExportError
from symreg.registry import REGISTRY, Registry

_SCALAR_TYPES = {
    "Float": torch.float32,
    "Double": torch.float64,
    "Half": torch.float16,
    "BFloat16": torch.bfloat16,
    "Int": torch.int32,
    "Long": torch.int64,
    "Short": torch.int16,
    "Char": torch.int8,
    "Byte": torch.uint8,
    "Bool": torch.bool,
}


_CONSTANT_ATTRS = {"value_float": np.float32, "value_floats": np.float32, "value_int": np.int64, "value_ints": np.int64}


class TorchScriptBuilder(Builder):
    """``g`` over torch's ``GraphContext``."""

    def __init__(self, graph_context: Any, op_name: str) -> None:
        self._g = graph_context
        self.op_name = op_name
        self.opset = int(graph_context.opset)

    def op(self, op_type: str, *inputs: Any, outputs: int = 1, **attrs: Any) -> Any:
        if op_type == "Constant" and len(attrs) == 1 and next(iter(attrs)) in _CONSTANT_ATTRS:
            # torch's TorchScript exporter only understands Constant(value=tensor).
            ((key, value),) = attrs.items()
            return self.constant(np.asarray(value, dtype=_CONSTANT_ATTRS[key]))
        values = [self._input(v) for v in inputs]
        suffixed = {_suffixed(self.op_name, op_type, k, v): _attr_value(v) for k, v in attrs.items()}
        result = self._g.op(op_type, *values, outputs=outputs, **suffixed)
        domain, _, name = op_type.rpartition("::")
        declared = schemas.lookup(domain, name) if domain else None
        if declared is not None and declared.infer is not None:
            outs = result if outputs > 1 else (result,)
            infos = declared.infer([self.info(v) if v is not None else None for v in inputs], dict(attrs))
            for out, info in zip(outs, infos):
                _set_type(out, info)
        return result

    def constant(self, value: Any, dtype: Any = None) -> Any:
        array = as_array(value, dtype)
        if array.ndim == 0 and array.dtype not in (np.float32, np.int64):
            # torch's scalar type analysis reads any 0-d float Constant as a Python float
            # (default dtype) and casts 0-d float64 inputs down to it; a Reshape hides it.
            flat = self._g.op("Constant", value_t=torch.from_numpy(array.reshape(1)))
            return self._g.op("Reshape", flat, self._g.op("Constant", value_t=torch.zeros(0, dtype=torch.int64)))
        return self._g.op("Constant", value_t=torch.from_numpy(np.array(array, order="C")))

    def info(self, value: Any) -> TensorInfo:
        if not isinstance(value, torch._C.Value):
            return TensorInfo()
        jit_type = value.type()
        if not isinstance(jit_type, torch._C.TensorType):
            return TensorInfo()
        dtype = _SCALAR_TYPES.get(jit_type.scalarType()) if jit_type.scalarType() else None
        sizes = jit_type.varyingSizes()
        return TensorInfo(dtype, None if sizes is None else static_shape(sizes))

    def _input(self, value: Any) -> Any:
        if value is None:
            placeholder = self._g.op("prim::Constant")
            placeholder.setType(torch._C.OptionalType.ofTensor())
            return placeholder
        if isinstance(value, torch._C.Value):
            return value
        return self.constant(value)


def _suffixed(op_name: str, op_type: str, key: str, value: Any) -> str:
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return f"{key}_t"
    items = value if isinstance(value, (list, tuple)) else [value]
    if items and all(isinstance(v, str) for v in items):
        return f"{key}_s"
    if items and all(isinstance(v, (bool, int, np.integer)) for v in items):
        return f"{key}_i"
    if items and all(isinstance(v, (bool, int, float, np.number)) for v in items):
        return f"{key}_f"
    raise TypeError(
        f"{op_name}: attribute {key!r} of {op_type} is {value!r}; attributes take int, float, "
        "str, bool, non-empty lists of those, or tensors"
    )


def _attr_value(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.array(value, order="C"))
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, tuple)):
        return [int(v) if isinstance(v, bool) else v for v in value]
    return value


def _set_type(value: Any, info: TensorInfo) -> None:
    if info.dtype is None:
        return
    jit_type = torch._C.TensorType.create_from_tensor(torch.empty((), dtype=info.dtype))
    if info.shape is not None:
        jit_type = jit_type.with_sizes([d if isinstance(d, int) else None for d in info.shape])
    value.setType(jit_type)


def _constant_of(value: Any) -> Any:
    """The Python value a TorchScript graph value holds, or raises LookupError."""
    node = value.node()
    if node.mustBeNone():
        return None
    kind = node.kind()
    if kind == "onnx::Constant":
        return node.s("value") if node.kindOf("value") == "s" else node.t("value").tolist()
    if kind == "prim::Constant":
        return value.toIValue()
    if kind == "prim::ListConstruct":
        return [_constant_of(v) for v in node.inputs()]
    raise LookupError(kind)


def _tensor_arg(value: Any) -> Any:
    return None if isinstance(value, torch._C.Value) and value.node().mustBeNone() else value


def _constant_arg(value: Any) -> Any:
    if not isinstance(value, torch._C.Value):
        return value
    try:
        return _constant_of(value)
    except LookupError as e:
        raise LookupError(f"node {e.args[0]}") from None


def _symbolic_for(name: str):
    def symbolic(g, *args):
        rule = REGISTRY.lookup(name, int(g.opset))
        if rule is None:
            raise ExportError(
                f"{name}: no symreg rule applies at opset {g.opset} (rules exist for opsets "
                f"{', '.join(map(str, REGISTRY.opsets(name)))}); export at one of those or register one"
            )
        converted = convert_args(name, rule.params, args, tensor=_tensor_arg, constant=_constant_arg)
        return rule.fn(TorchScriptBuilder(g, name), *converted)

    symbolic.__qualname__ = symbolic.__name__ = f"symreg_symbolic[{name}]"
    return symbolic


class TorchMirror:
    """Keeps torch's TorchScript symbolic registrations in step with a Registry."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._installed: dict[str, dict[int, Any]] = {}  # name -> opset -> torch's previous custom fn
        registry.subscribe(self.sync)

    def sync(self, name: str) -> None:
        opsets = self._registry.opsets(name)
        wanted: set[int] = set()
        if opsets:
            low = opsets[0]
            wanted = set(range(low, max(low, _torch_compat.torchscript_max_opset()) + 1))
        installed = self._installed.setdefault(name, {})
        for opset in sorted(wanted - set(installed)):
            installed[opset] = _torch_compat.custom_symbolic(name, opset)
            torch.onnx.register_custom_op_symbolic(name, _symbolic_for(name), opset)
        for opset in sorted(set(installed) - wanted):
            previous = installed.pop(opset)
            if previous is not None:
                torch.onnx.register_custom_op_symbolic(name, previous, opset)
            else:
                _torch_compat.remove_custom_symbolic(name, opset)
        if not installed:
            del self._installed[name]


MIRROR = TorchMirror(REGISTRY)
