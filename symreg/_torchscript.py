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
from symreg._rule_call import call_rule
from symreg._typing import convert_args
from symreg.builder import Builder, TensorInfo, as_array, static_shape
from symreg.errors import ExportError, RuleError
from symreg.registry import REGISTRY, Registry, op_of

_CONSTANT_ATTRS = {"value_float": np.float32, "value_floats": np.float32, "value_int": np.int64, "value_ints": np.int64}


class TorchScriptBuilder(Builder):
    """``g`` over torch's ``GraphContext``."""

    def __init__(self, graph_context: Any, op_name: str, overload: str | None = None) -> None:
        self._g = graph_context
        self.op_name = op_name
        self.overload = overload or op_name
        self.opset = int(graph_context.opset)

    def op(self, op_type: str, *inputs: Any, outputs: int = 1, **attrs: Any) -> Any:
        if op_type == "Constant" and len(attrs) == 1 and next(iter(attrs)) in _CONSTANT_ATTRS:
            # torch's TorchScript exporter only understands Constant(value=tensor).
            ((key, value),) = attrs.items()
            return self.constant(np.asarray(value, dtype=_CONSTANT_ATTRS[key]))
        declared = schemas.node_schema(self.op_name, op_type, self.opset)
        values = [self._input(v) for v in inputs]
        suffixed = {_suffixed(self.op_name, op_type, k, v): _attr_value(v) for k, v in attrs.items()}
        result = self._g.op(op_type, *values, outputs=outputs, **suffixed)
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

    def constant_value(self, value: Any) -> Any:
        if not _torch_compat.is_graph_value(value):
            return value
        try:
            found = _torch_compat.constant_value(value)
        except LookupError:
            return None
        return found[0] if isinstance(found, list) and len(found) == 1 else found

    def info(self, value: Any) -> TensorInfo:
        dtype, sizes = _torch_compat.value_type(value)
        return TensorInfo(dtype, None if sizes is None else static_shape(sizes))

    def _input(self, value: Any) -> Any:
        if value is None:
            return _torch_compat.none_value(self._g)
        if _torch_compat.is_graph_value(value):
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
    if info.dtype is not None:
        shape = None if info.shape is None else [d if isinstance(d, int) else None for d in info.shape]
        _torch_compat.set_value_type(value, info.dtype, shape)


def _tensor_arg(value: Any) -> Any:
    if _torch_compat.is_none(value):
        return None
    elements = _torch_compat.tensor_list_elements(value)
    return value if elements is None else elements  # a Tensor[] argument: a list of values, as under dynamo


def _constant_arg(value: Any) -> Any:
    return _torch_compat.constant_value(value) if _torch_compat.is_graph_value(value) else value


def _symbolic_for(op: str, fallbacks: dict[int, Any]):
    """torch's symbolic for ``op``: the rule of the node's overload (or of the op), else the
    symbolic that was there before symreg (``fallbacks[opset]``, then torch's own)."""

    def symbolic(g, *args, **kwargs):
        opset = int(g.opset)
        overload = _torch_compat.node_overload(g)
        rule = REGISTRY.lookup_overload(op, overload or "", opset, "torchscript")
        qualified = f"{op}.{overload}" if overload else op
        if rule is None:
            fallback = fallbacks.get(opset) or _torch_compat.builtin_symbolic(op, opset)
            if fallback is not None:
                return fallback(g, *args, **kwargs)
            opsets = sorted({v for n in REGISTRY.names() if op_of(n) == op for v in REGISTRY.opsets(n)})
            raise ExportError(
                f"{qualified}: no symreg rule applies to the TorchScript exporter at opset {opset} (rules of "
                f"{op} and its overloads exist for opsets {', '.join(map(str, opsets)) or 'none'}); export at one "
                "of those or register one"
            )
        converted = convert_args(qualified, rule.params, args, tensor=_tensor_arg, constant=_constant_arg, rule=rule)
        lists = _torch_compat.tensor_list_outputs(g)
        list_output = lists == [True]
        mixed = len(lists) > 1 and any(lists)  # e.g. (Tensor, Tensor[]): a list of values where a Tensor[] is
        result = call_rule(
            rule,
            TorchScriptBuilder(g, rule.name, qualified),
            converted,
            outputs=_torch_compat.node_outputs(g),
            list_output=list_output,
            is_value=_is_value_or_values if mixed else _torch_compat.is_graph_value,
        )
        if list_output and isinstance(result, (list, tuple)):
            # A Tensor[] output: torch's prim::ListUnpack symbolic cancels this ListConstruct.
            return g.op("prim::ListConstruct", *result)
        if mixed:
            return tuple(
                _as_output(g, rule, qualified, i, v, is_list) for i, (v, is_list) in enumerate(zip(result, lists))
            )
        return result

    symbolic.__qualname__ = symbolic.__name__ = f"symreg_symbolic[{op}]"
    return symbolic


def _is_value_or_values(value: Any) -> bool:
    if isinstance(value, (list, tuple)):
        return all(_torch_compat.is_graph_value(v) for v in value)
    return _torch_compat.is_graph_value(value)


def _as_output(g: Any, rule: Any, qualified: str, i: int, value: Any, is_list: bool) -> Any:
    """Output ``i`` of a rule of an op with several outputs, some ``Tensor[]``: a list of values there becomes a
    ``prim::ListConstruct`` (which torch's ``prim::ListUnpack`` symbolic cancels); elsewhere one value."""
    if not isinstance(value, (list, tuple)):
        return value
    if not is_list:
        raise RuleError(
            f"{qualified}: the rule {rule.where} returned a list as output {i}, which is a Tensor; return one value"
        )
    return g.op("prim::ListConstruct", *value)


class TorchMirror:
    """Keeps torch's TorchScript symbolic registrations in step with a Registry.

    torch keys symbolics by op without overload, so one symbolic per op serves the
    op's rule and every overload's rule; it is installed from the lowest opset of
    any of them up to the TorchScript exporter's highest.
    """

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._installed: dict[str, dict[int, Any]] = {}  # op -> opset -> torch's previous custom fn
        registry.subscribe(self.sync)

    def sync(self, name: str) -> None:
        op = op_of(name)
        opsets = [
            rule.opset
            for n in self._registry.names()
            if op_of(n) == op
            for rule in self._registry.rules(n)
            if "torchscript" in rule.exporters
        ]
        wanted = (
            set(range(min(opsets), max(min(opsets), _torch_compat.torchscript_max_opset()) + 1)) if opsets else set()
        )
        installed = self._installed.setdefault(op, {})
        for opset in sorted(wanted - set(installed)):
            installed[opset] = _torch_compat.custom_symbolic(op, opset)
            torch.onnx.register_custom_op_symbolic(op, _symbolic_for(op, installed), opset)
        for opset in sorted(set(installed) - wanted):
            previous = installed.pop(opset)
            if previous is not None:
                torch.onnx.register_custom_op_symbolic(op, previous, opset)
            else:
                _torch_compat.remove_custom_symbolic(op, opset)
        if not installed:
            del self._installed[op]

    def reassert(self) -> None:
        """Puts back symreg's symbolics that a later ``register_custom_op_symbolic`` replaced.

        torchvision registers its ``roi_align`` symbolics (opsets 11 and 16) when imported,
        replacing symreg's if symreg was imported first; the replaced one becomes the fallback.
        """
        for op, installed in self._installed.items():
            for opset in installed:
                current = _torch_compat.custom_symbolic(op, opset)
                if current is not None and not getattr(current, "__name__", "").startswith("symreg_symbolic["):
                    installed[opset] = current
                    torch.onnx.register_custom_op_symbolic(op, _symbolic_for(op, installed), opset)


MIRROR = TorchMirror(REGISTRY)
