"""The ATen fallback under the TorchScript exporter: every node that no symbolic converts becomes a fallback node.

torch's C++ export pass converts the traced graph node by node through ``_run_symbolic_function``
(torch's symbolic, or symreg's rule, for the node's op). While :func:`fallback_nodes` is active that
function is wrapped: a node whose conversion raises (no symbolic at this opset, a symbolic that refuses
the node's arguments, a rule that fails) is written as a fallback node instead
(:mod:`symreg._fallback_calls`), and the refusal is recorded, so one export finds every such node. Nodes
the symbolics convert are untouched.
"""

from __future__ import annotations

import collections
import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import torch

from symreg import _fallback_calls as calls
from symreg import _fallback_names as names
from symreg import _torch_compat, dtypes
from symreg.errors import ExportError

#: Namespaces of the exporter's own graph plumbing, whose nodes are never fallback nodes.
_PLUMBING = ("prim", "onnx")
#: Ops that cannot be fallback nodes: sparse outputs, which no NumPy array carries.
_NOT_OPS = ("aten::to_sparse",)


@contextlib.contextmanager
def fallback_nodes(refusals: list[calls.Refusal], seen: collections.Counter | None = None) -> Iterator[None]:
    """Within the block, TorchScript exports write a fallback node for each node no symbolic converts.

    Each such node is appended to ``refusals``; ``seen`` (when given) counts every op converted.
    """
    original = _torch_compat.symbolic_runner()

    def run(graph, block, node, inputs, env, values_in_env, new_nodes, *args, **kwargs):
        kind = node.kind().removesuffix("_")  # in-place variants convert as their op
        is_op = kind.split("::")[0] not in _PLUMBING and kind not in _NOT_OPS
        if seen is not None and is_op:
            seen[kind] += 1
        try:
            return original(graph, block, node, inputs, env, values_in_env, new_nodes, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - every refusal of a node is the fallback's to take
            if not is_op:
                raise
            context = _torch_compat.graph_context(graph, block, node, env, values_in_env, new_nodes)
            overload = _torch_compat.node_overload(context)
            refusal = calls.Refusal(kind, overload or "default", _scope(node), calls.error_line(e))
            try:
                outputs = _write(context, node, kind, overload, inputs)
            except ExportError as why:
                raise ExportError(f"{kind}: {why} (the exporter refused it: {refusal.reason})") from e
            refusals.append(refusal)
            return outputs

    _torch_compat.set_symbolic_runner(run)
    try:
        yield
    finally:
        _torch_compat.set_symbolic_runner(original)


def _write(g: Any, node: Any, op: str, overload: str | None, inputs: Sequence[Any]) -> Any:
    if overload is None:
        raise ExportError("symreg cannot tell which overload of the op this call is, so it cannot fall back")
    try:
        packet = calls.overload_packet(op, overload)
    except LookupError as e:
        raise ExportError(str(e)) from e
    why = calls.unsupported_outputs(packet)
    if why is not None:
        raise ExportError(f"no fallback node can stand for it: {why}")
    tensors: list[Any] = []
    arguments = [
        _encode(argument, value, tensors) for argument, value in zip(_torch_compat.schema_arguments(packet), inputs)
    ]
    outs = list(node.outputs())
    domain, op_type = names.domain_of(op), names.op_type_of(op, overload)
    calls.declare_schema(domain, op_type, len(outs))
    types = [_torch_compat.value_type(out) for out in outs]
    result = g.op(
        f"{domain}::{op_type}",
        *tensors,
        outputs=len(outs),
        arguments_s=calls.dumps(arguments),
        output_dtypes_i=[dtypes.onnx_type(dtype) if dtype is not None else 0 for dtype, _ in types],
    )
    results = result if len(outs) > 1 else (result,)
    for value, (dtype, sizes) in zip(results, types):
        if dtype is not None:  # the rank is the traced one; sizes may be dynamic, so none is declared
            _torch_compat.set_value_type(value, dtype, None if sizes is None else [None] * len(sizes))
    return result


def _encode(argument: Any, value: Any, tensors: list[Any]) -> dict[str, Any]:
    kind = _torch_compat.argument_kind(argument)
    bare = kind.removeprefix("Optional[")[:-1] if kind.startswith("Optional[") else kind
    if _torch_compat.is_none(value):
        return {"value": None}
    if bare == "Tensor":
        tensors.append(value)
        return {"input": len(tensors) - 1}
    if bare in ("List[Tensor]", "List[Optional[Tensor]]"):
        elements = _torch_compat.tensor_list_elements(value)
        if elements is None:
            raise ExportError(f"argument {argument.name!r} is a list of tensors built at run time")
        found = []
        for element in elements:
            if _torch_compat.is_none(element):
                found.append(None)
            else:
                tensors.append(element)
                found.append(len(tensors) - 1)
        return {"inputs": found}
    try:
        constant = _torch_compat.constant_value(value)
    except LookupError:
        return _runtime_value(argument, bare, value, tensors)
    return calls.encode_constant(_as_argument(bare, constant))


def _as_argument(kind: str, value: Any) -> Any:
    """A constant as the op takes it: the TorchScript exporter turns numbers into 0-d tensors."""
    if isinstance(value, torch.Tensor):
        value = value.tolist()
    if kind == "ScalarType":
        return dtypes.argument_dtype(value)
    if kind in ("Layout", "Device", "MemoryFormat", "Generator"):
        return None
    if kind in ("int", "SymInt"):
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    if kind.startswith("List[") and isinstance(value, (int, float, bool)):
        return [value]
    return value


def _runtime_value(argument: Any, kind: str, value: Any, tensors: list[Any]) -> dict[str, Any]:
    """An int (or list of ints) that is only known at run time, e.g. a size under dynamic axes."""
    if kind in ("int", "SymInt"):
        tensors.append(value)
        return {"scalar": len(tensors) - 1}
    if kind in ("List[int]", "List[SymInt]") and value.node().kind() == "prim::ListConstruct":
        entries = []
        for element in value.node().inputs():
            try:
                entries.append({"value": int(_as_argument("int", _torch_compat.constant_value(element)))})
            except LookupError:
                tensors.append(element)
                entries.append({"scalar": len(tensors) - 1})
        return {"list": entries}
    raise ExportError(f"argument {argument.name!r} ({kind}) is computed at run time, which a fallback node cannot take")


def _scope(node: Any) -> str:
    """The module path of a traced node ("" for the top module): ``M::/Inner::loss/Attn::attn`` -> ``loss.attn``."""
    parts = [part.split("::", 1)[1] for part in node.scopeName().split("/") if "::" in part]
    return ".".join(p for p in parts if p)
