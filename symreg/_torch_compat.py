"""The one place that touches private torch APIs, behind a version check.

Every read of ``torch.onnx._internal``, ``OpOverload._schema`` and ``torch._C`` graph
types goes through here, so a torch release that changes them breaks one module:

* The TorchScript exporter's registry: torch 2.14's ``unregister_custom_op_symbolic``
  leaves an empty function group behind, after which exporting the op dies with
  ``ValueError: min() arg is an empty sequence`` instead of torch's usual
  "Unsupported: ONNX export of operator" error; restoring torch's state needs the group
  removed. A rule for one overload falls back to torch's own symbolic for the others.
* TorchScript graph values (``torch._C.Value``/``Node``/``TensorType``): dtype and shape
  reads, constants, the node's overload.
* ``OpOverload._schema``: argument defaults, which the dynamo exporter leaves out.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch

from symreg import dtypes

_TESTED = ((2, 14),)


def check_version() -> bool:
    """Whether the running torch is one this module was written for (warns once if not)."""
    if _torch_version() in _TESTED:
        return True
    warnings.warn(
        f"symreg: torch {torch.__version__} is untested (tested: "
        f"{', '.join('.'.join(map(str, v)) for v in _TESTED)}); symreg reads private torch APIs that may "
        "have changed. Report problems with the torch version.",
        RuntimeWarning,
        stacklevel=2,
    )
    return False


def _torch_version() -> tuple[int, int]:
    major, minor = torch.__version__.split(".")[:2]
    return int(major), int(minor)


check_version()


def _registry():
    try:
        from torch.onnx._internal.torchscript_exporter import registration
    except ImportError:  # older layouts
        from torch.onnx._internal import registration  # type: ignore[no-redef]
    return registration.registry


def torchscript_max_opset() -> int:
    """Highest opset the TorchScript exporter of this torch can export."""
    from torch.onnx import _constants

    return int(getattr(_constants, "ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET", _constants.ONNX_MAX_OPSET))


def custom_symbolic(name: str, opset: int) -> Callable | None:
    """The custom (user-registered) TorchScript symbolic of ``name`` at exactly ``opset``."""
    try:
        group = _registry().get_function_group(name)
        if group is None or not group._functions.overridden(opset):
            return None
        return group._functions._overrides[opset]
    except AttributeError:
        _warn_layout()
        return None


def builtin_symbolic(name: str, opset: int) -> Callable | None:
    """torch's own TorchScript symbolic of ``name`` for ``opset`` (custom ones ignored), if any."""
    try:
        from torch.onnx._internal.torchscript_exporter.registration import _dispatch_opset_version

        group = _registry().get_function_group(name)
        if group is None:
            return None
        base = group._functions._base
        version = _dispatch_opset_version(opset, base)
        return None if version is None else base[version]
    except (AttributeError, ImportError):
        _warn_layout()
        return None


def remove_custom_symbolic(name: str, opset: int) -> None:
    """Unregisters a custom symbolic and drops the group torch leaves empty."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.unregister_custom_op_symbolic(name, opset)
    try:
        registry = _registry()
        group = registry.get_function_group(name)
        if group is not None and len(group._functions) == 0:
            del registry._registry[name]
    except AttributeError:
        _warn_layout()


def _warn_layout() -> None:
    warnings.warn(
        f"symreg: torch {torch.__version__}'s private ONNX registry changed (tested with torch "
        f"{', '.join('.'.join(map(str, v)) for v in _TESTED)}); unregistering rules may leave "
        "torch's state partly modified",
        RuntimeWarning,
        stacklevel=3,
    )


# --- TorchScript graph values (torch._C) ----------------------------------------------


def is_graph_value(value: Any) -> bool:
    """Whether ``value`` is a TorchScript graph value (``torch._C.Value``)."""
    return isinstance(value, torch._C.Value)


def is_none(value: Any) -> bool:
    """Whether a TorchScript graph value is the constant None (an omitted optional input)."""
    return is_graph_value(value) and value.node().mustBeNone()


def value_type(value: Any) -> tuple[torch.dtype | None, list[int | None] | None]:
    """dtype and sizes (None for dynamic dims; None when the rank is unknown) of a graph value."""
    if not is_graph_value(value):
        return None, None
    jit_type = value.type()
    if not isinstance(jit_type, torch._C.TensorType):
        return None, None
    scalar = jit_type.scalarType()
    return (dtypes.scalar_type(scalar) if scalar else None), jit_type.varyingSizes()


def set_value_type(value: Any, dtype: torch.dtype, shape: Sequence[int | None] | None) -> None:
    """Declares a graph value's dtype and (when not None) its sizes, None for dynamic dims."""
    jit_type = torch._C.TensorType.create_from_tensor(torch.empty((), dtype=dtype))
    if shape is not None:
        jit_type = jit_type.with_sizes(list(shape))
    value.setType(jit_type)


def none_value(graph_context: Any) -> Any:
    """A graph value that stands for an omitted optional tensor input."""
    placeholder = graph_context.op("prim::Constant")
    placeholder.setType(torch._C.OptionalType.ofTensor())
    return placeholder


def constant_value(value: Any) -> Any:
    """The Python value a TorchScript graph value holds; LookupError naming the node that computes it."""
    node = value.node()
    if node.mustBeNone():
        return None
    kind = node.kind()
    if kind == "onnx::Constant":
        return node.s("value") if node.kindOf("value") == "s" else node.t("value").tolist()
    if kind == "prim::Constant":
        return value.toIValue()
    if kind == "prim::ListConstruct":
        return [constant_value(v) for v in node.inputs()]
    raise LookupError(f"node {kind}")


def tensor_list_elements(value: Any) -> list[Any] | None:
    """The elements of a graph value built as a list of tensors (``prim::ListConstruct``), else None."""
    if not is_graph_value(value) or value.node().kind() != "prim::ListConstruct":
        return None
    jit_type = value.type()
    if not isinstance(jit_type, torch._C.ListType) or not isinstance(jit_type.getElementType(), torch._C.TensorType):
        return None
    return list(value.node().inputs())


def returns_tensor_list(graph_context: Any) -> bool:
    """Whether the node being exported has one output and it is a list of tensors (``Tensor[]``)."""
    return tensor_list_outputs(graph_context) == [True]


def tensor_list_outputs(graph_context: Any) -> list[bool]:
    """For each output of the node being exported, whether it is a list of tensors (``Tensor[]``); [] if unknown."""
    node = getattr(graph_context, "original_node", None)
    return [_is_tensor_list(out.type()) for out in node.outputs()] if node is not None else []


def _is_tensor_list(value_type: Any) -> bool:
    """Whether a TorchScript type is ``Tensor[]``."""
    return isinstance(value_type, torch._C.ListType) and isinstance(value_type.getElementType(), torch._C.TensorType)


def node_outputs(graph_context: Any) -> int | None:
    """How many outputs the node being exported has, None if unknown."""
    node = getattr(graph_context, "original_node", None)
    return None if node is None else node.outputsSize()


def node_overload(graph_context: Any) -> str | None:
    """The overload of the aten node being exported ("" for the default one), None if unknown.

    The node's own schema where it has one that fits its inputs. Nodes the tracer or the
    exporter's passes rebuilt have none ("(no schema)") or one matched after scalars became
    tensors (``max.dim`` read as ``max.out``): the overload is then the one schema that
    fits the node's inputs (count, lists, None), None when several fit.
    """
    node = getattr(graph_context, "original_node", None)
    if node is None:
        return None
    inputs = list(node.inputs())
    try:
        schema = node.schema()
    except (AttributeError, RuntimeError):
        return None
    if "::" in schema.split("(", 1)[0]:
        parsed = torch._C.parse_schema(schema)
        if not _writes_output(parsed) and _fits(parsed, inputs):
            return parsed.overload_name
    fitting = {
        s.overload_name
        for s in torch._C._jit_get_schemas_for_operator(node.kind())
        if not _writes_output(s) and _fits(s, inputs)
    }
    return fitting.pop() if len(fitting) == 1 else None


def _writes_output(schema: Any) -> bool:
    """An ``out=`` variant (an argument it writes): never what a traced model calls."""
    return any(a.alias_info is not None and a.alias_info.is_write for a in schema.arguments)


def _fits(schema: Any, inputs: list[Any]) -> bool:
    """The node's inputs could be the schema's arguments: same count, lists where it takes lists,
    None only where it takes optionals (scalars may have become tensors: not told apart)."""
    if len(schema.arguments) != len(inputs):
        return False
    for argument, value in zip(schema.arguments, inputs):
        optional = isinstance(argument.type, torch._C.OptionalType)
        expected = argument.type.getElementType() if optional else argument.type
        if isinstance(value.type(), torch._C.NoneType):
            if not optional:
                return False
            continue
        is_list = isinstance(value.type(), torch._C.ListType) or value.node().kind() == "prim::ListConstruct"
        if isinstance(expected, torch._C.ListType) != is_list:
            return False
    return True


# --- torch ops (torch._ops.OpOverload) ------------------------------------------------

#: The type of ``torch.ops.aten.sinh.default``: the dynamo exporter's translation-table keys.
OpOverload = torch._ops.OpOverload


def schema_defaults(overload: Any) -> list[tuple[str, bool, Any]]:
    """(name, has a default, default) of every argument of an ``OpOverload``, in order."""
    return [(a.name, a.has_default_value(), a.default_value) for a in overload._schema.arguments]


def schema_outputs(overload: Any) -> tuple[int, bool]:
    """How many results an ``OpOverload`` returns, and whether its one result is a ``Tensor[]``."""
    returns = overload._schema.returns
    return len(returns), len(returns) == 1 and _is_tensor_list(returns[0].type)


# --- the TorchScript exporter's per-node conversion (the ATen fallback) --------------------


def _torchscript_utils():
    from torch.onnx._internal.torchscript_exporter import utils

    return utils


def symbolic_runner() -> Callable:
    """The function torch's C++ export pass calls to convert each node (``_run_symbolic_function``)."""
    return _torchscript_utils()._run_symbolic_function


def set_symbolic_runner(fn: Callable) -> None:
    """Replaces the per-node conversion function; the C++ pass looks it up on every node."""
    _torchscript_utils()._run_symbolic_function = fn


def argument_kind(argument: Any) -> str:
    """An ``OpOverload`` argument's declared type as the schema spells it (``Optional[ScalarType]``)."""
    return str(argument.real_type)


def graph_context(graph: Any, block: Any, node: Any, env: Any, values_in_env: Any, new_nodes: Any) -> Any:
    """The ``GraphContext`` torch gives a symbolic converting ``node`` (see ``_run_symbolic_function``)."""
    from torch.onnx._internal.torchscript_exporter import jit_utils
    from torch.onnx._internal.torchscript_exporter._globals import GLOBALS

    utils = _torchscript_utils()
    return jit_utils.GraphContext(
        graph=graph,
        block=block,
        opset=GLOBALS.export_onnx_opset_version,
        original_node=node,
        params_dict=utils._params_dict,
        env=env,
        values_in_env=values_in_env,
        new_nodes=new_nodes,
    )


# --- the dynamo exporter's dispatch of FX nodes (the ATen fallback) -------------------------


def _dispatching():
    from torch.onnx._internal.exporter import _dispatching

    return _dispatching


def dynamo_dispatcher() -> Callable:
    """The function the dynamo exporter asks for each FX node's ONNX function (``_dispatching.dispatch``)."""
    return _dispatching().dispatch


def set_dynamo_dispatcher(fn: Callable) -> None:
    """Replaces the dispatch function; the exporter looks it up on every node."""
    _dispatching().dispatch = fn


def schema_arguments(overload: Any) -> list[Any]:
    """The arguments of an ``OpOverload``'s schema (``.name``, ``.kwarg_only``, see :func:`argument_kind`)."""
    return list(overload._schema.arguments)


def returns_tensors(overload: Any) -> bool | None:
    """Whether every result of an ``OpOverload`` is one tensor; None when it returns nothing."""
    returns = overload._schema.returns
    return all(isinstance(r.type, torch._C.TensorType) for r in returns) if returns else None


def overload_names(overload: Any) -> tuple[str, str]:
    """(``namespace::name``, overload name) of an ``OpOverload``: (``aten::max``, ``dim``)."""
    return overload._schema.name, overload._overloadname
