"""The ATen fallback under the dynamo exporter: every FX node with no ONNX function becomes a fallback node.

The dynamo exporter asks ``_dispatching.dispatch`` for each node's ONNX function (torchlib's, or a
translation of ``custom_translation_table`` such as symreg's), after decomposing the ops that have
none but have a decomposition. While :func:`fallback_nodes` is active, a node left without one is
given a translation that writes a fallback node (:mod:`symreg._fallback_calls`), typed from the
node's fake value, and the refusal is recorded, so one export finds every such node.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import onnxscript.values
import torch

from symreg import _fallback_calls as calls
from symreg import _fallback_names as names
from symreg import _torch_compat, dtypes
from symreg._dynamo import bind_arguments
from symreg.errors import ExportError


@contextlib.contextmanager
def fallback_nodes(refusals: list[calls.Refusal], seen: collections.Counter | None = None) -> Iterator[None]:
    """Within the block, dynamo exports write a fallback node for each FX node no ONNX function serves.

    Each such node is appended to ``refusals``; ``seen`` (when given) counts every op dispatched.
    """
    original = _torch_compat.dynamo_dispatcher()

    def dispatch(node: torch.fx.Node, registry: Any) -> tuple[Callable | None, str]:
        function, message = original(node, registry)
        if not isinstance(node.target, _torch_compat.OpOverload):
            return function, message
        packet = node.target
        op, overload = _torch_compat.overload_names(packet)
        if seen is not None:
            seen[op] += 1
        if function is not None:
            return function, message
        refusal = calls.Refusal(op, overload, _scope(node), f"DispatchError: {message}")
        why = calls.unsupported_outputs(packet)
        if why is not None:
            raise ExportError(f"{op}.{overload}: no fallback node can stand for it: {why} ({refusal.reason})")
        refusals.append(refusal)
        return _translation(node, packet), message

    _torch_compat.set_dynamo_dispatcher(dispatch)
    try:
        yield
    finally:
        _torch_compat.set_dynamo_dispatcher(original)


def _translation(node: torch.fx.Node, packet: Any) -> Callable:
    op, overload = _torch_compat.overload_names(packet)
    fakes = node.meta["val"]
    fakes = tuple(fakes) if isinstance(fakes, (tuple, list)) else (fakes,)
    out_types = [dtypes.onnx_type(v.dtype) if isinstance(v, torch.Tensor) else 0 for v in fakes]
    domain, op_type = names.domain_of(op), names.op_type_of(op, overload)
    calls.declare_schema(domain, op_type, len(fakes))

    def translation(*args: Any, **kwargs: Any) -> Any:
        tensors: list[Any] = []
        fx_values, onnx_values = bind_arguments(packet, node.args, node.kwargs), bind_arguments(packet, args, kwargs)
        arguments = [
            _encode(argument, fx_value, onnx_value, tensors)
            for argument, fx_value, onnx_value in zip(_torch_compat.schema_arguments(packet), fx_values, onnx_values)
        ]
        emit = onnxscript.values.Opset(domain, 1)[op_type]
        return emit(*tensors, arguments=calls.dumps(arguments), output_dtypes=out_types)

    translation.__name__ = translation.__qualname__ = f"symreg_fallback_{op_type.replace('.', '_')}"
    return translation


def _encode(argument: Any, fx_value: Any, onnx_value: Any, tensors: list[Any]) -> dict[str, Any]:
    kind = _torch_compat.argument_kind(argument)
    if fx_value is None:
        return {"value": None}
    if isinstance(fx_value, torch.fx.Node):
        tensors.append(onnx_value)
        fake = fx_value.meta.get("val")
        return {"input": len(tensors) - 1} if isinstance(fake, torch.Tensor) else {"scalar": len(tensors) - 1}
    if isinstance(fx_value, (list, tuple)) and any(isinstance(v, torch.fx.Node) for v in fx_value):
        if "Tensor" in kind:
            found = []
            for element, value in zip(fx_value, onnx_value):
                if element is None:
                    found.append(None)
                else:
                    tensors.append(value)
                    found.append(len(tensors) - 1)
            return {"inputs": found}
        return {"list": [_encode(argument, e, v, tensors) for e, v in zip(fx_value, onnx_value)]}
    try:
        return calls.encode_constant(fx_value)
    except TypeError as e:
        raise ExportError(f"argument {argument.name!r}: {e}") from e


def _scope(node: torch.fx.Node) -> str:
    """The module path of an FX node ("" for the top module), from torch.export's ``nn_module_stack``."""
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    path = list(stack.values())[-1][0]
    return path.removeprefix("L['self']").removeprefix(".")
