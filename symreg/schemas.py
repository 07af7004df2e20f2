"""Declared schemas for custom-domain ops (``symreg::Erfinv``, ``mydomain::Fancy``).

A schema is registered with ``onnx.defs`` so that ``onnx.checker.check_model(...,
full_check=True)`` passes, the dynamo exporter can emit the node, and ONNX shape
inference keeps element types and shapes after it. Its ``infer`` function also
types the node's outputs when the TorchScript exporter builds it.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

import onnx
import onnx.defs
import torch

from symreg import dtypes
from symreg.builder import TensorInfo
from symreg.errors import ExportError
from symreg.registry import check_name

#: ``infer(inputs, attrs) -> outputs``: TensorInfo per input (None when absent) to one per output.
InferFn = Callable[[Sequence[TensorInfo | None], dict[str, Any]], Sequence[TensorInfo]]

_PARAM = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\?|\.\.\.)?\s*:\s*([A-Za-z_][A-Za-z0-9_]*)\s*$")
_ATTR_TYPES = {
    int: onnx.defs.OpSchema.AttrType.INT,
    float: onnx.defs.OpSchema.AttrType.FLOAT,
    str: onnx.defs.OpSchema.AttrType.STRING,
    bool: onnx.defs.OpSchema.AttrType.INT,
    list[int]: onnx.defs.OpSchema.AttrType.INTS,
    list[float]: onnx.defs.OpSchema.AttrType.FLOATS,
    list[str]: onnx.defs.OpSchema.AttrType.STRINGS,
}


@dataclasses.dataclass(frozen=True)
class Schema:
    """A custom-domain op's declared inputs, outputs, attributes and types."""

    domain: str
    name: str
    version: int
    inputs: tuple[tuple[str, str, str], ...]  # (name, option "", "?" or "...", type param)
    outputs: tuple[tuple[str, str, str], ...]
    attrs: tuple[tuple[str, Any, Any], ...]  # (name, python type, default or REQUIRED)
    types: tuple[tuple[str, tuple[str, ...]], ...]
    infer: InferFn | None
    doc: str

    @property
    def qualified_name(self) -> str:
        return f"{self.domain}::{self.name}"

    def to_onnx(self) -> onnx.defs.OpSchema:
        """The ``onnx.defs.OpSchema`` for this declaration."""
        option = {
            "": onnx.defs.OpSchema.FormalParameterOption.Single,
            "?": onnx.defs.OpSchema.FormalParameterOption.Optional,
            "...": onnx.defs.OpSchema.FormalParameterOption.Variadic,
        }
        formal = onnx.defs.OpSchema.FormalParameter
        op_schema = onnx.defs.OpSchema(
            self.name,
            self.domain,
            self.version,
            self.doc,
            inputs=[formal(n, t, param_option=option[o]) for n, o, t in self.inputs],
            outputs=[formal(n, t, param_option=option[o]) for n, o, t in self.outputs],
            type_constraints=[(p, list(allowed), "") for p, allowed in self.types],
            attributes=[_onnx_attribute(n, kind, default) for n, kind, default in self.attrs],
        )
        if self.infer is not None:
            op_schema.set_type_and_shape_inference_function(self._onnx_inference)
        return op_schema

    def _onnx_inference(self, ctx) -> None:
        infos = []
        for i in range(ctx.get_num_inputs()):
            infos.append(_info_from_type(ctx.get_input_type(i)) if ctx.has_input(i) else None)
        attrs = {}
        for name, _, default in self.attrs:
            proto = ctx.get_attribute(name)
            attrs[name] = onnx.helper.get_attribute_value(proto) if proto is not None else default
        outputs = list(self.infer(infos, attrs))[: ctx.get_num_outputs()]  # optional outputs may be left off
        for i, out in enumerate(outputs):
            if out.dtype is not None:
                ctx.set_output_type(i, _type_from_info(out))


REQUIRED = object()
_ELEMENT_TYPES = {row.schema for row in dtypes.TABLE} | set(dtypes.SCHEMA_ONLY)
_SCHEMAS: dict[tuple[str, str], Schema] = {}


def schema(
    name: str,
    *,
    inputs: Sequence[str],
    outputs: Sequence[str],
    types: dict[str, Sequence[str]],
    attrs: dict[str, Any] | None = None,
    version: int = 1,
    infer: InferFn | None = None,
    doc: str = "",
) -> Schema:
    """Declares and registers the schema of a custom-domain op.

    Args:
        name: ``"domain::Op"``, e.g. ``"symreg::Erfinv"``.
        inputs / outputs: ``"X: T"``; ``"B?: T"`` for an optional input,
            ``"Xs...: T"`` for a variadic one. ``T`` is a key of ``types``.
        types: type parameter to allowed element types, e.g. ``{"T": ["float", "double"]}``
            (``"tensor(float)"`` also accepted).
        attrs: attribute name to its Python type (required attribute: ``int``,
            ``float``, ``str``, ``bool``, ``list[int]``, ``list[float]``, ``list[str]``),
            to that type ``| None`` (optional attribute with no default: ``infer`` sees
            None when a node omits it), or to a default value (optional attribute of
            that value's type).
        version: the domain's opset version; exported models import it.
        infer: ``infer(inputs, attrs) -> outputs`` over :class:`~symreg.TensorInfo`;
            types the node's outputs under both exporters and in ONNX shape
            inference. :func:`same_as_input` covers elementwise ops.

    Declaring the same schema twice is a no-op; a different one under the same
    name raises ``ValueError``.
    """
    check_name(name, "symreg.schema")
    domain, op_type = name.split("::")
    if domain in ("", "onnx", "ai.onnx"):
        raise ValueError(f"symreg.schema({name!r}): the ONNX domain is not custom; pick your own domain")
    declared = Schema(
        domain=domain,
        name=op_type,
        version=version,
        inputs=tuple(_formal(name, s, types) for s in inputs),
        outputs=tuple(_formal(name, s, types) for s in outputs),
        attrs=tuple(_attr(name, n, spec) for n, spec in (attrs or {}).items()),
        types=tuple((p, tuple(_tensor_type(name, t) for t in allowed)) for p, allowed in types.items()),
        infer=infer,
        doc=doc,
    )
    existing = _SCHEMAS.get((domain, op_type))
    if existing is not None:
        differences = _differences(existing, declared)
        if not differences:
            return existing
        raise ValueError(
            f"symreg.schema({name!r}): a different schema is already declared for this op ({'; '.join(differences)}); "
            "declare it once, or use a new domain version or another op name"
        )
    onnx.defs.register_schema(declared.to_onnx())
    _SCHEMAS[(domain, op_type)] = declared
    return declared


def _differences(old: Schema, new: Schema) -> list[str]:
    """What differs between two declarations of one op, as "field: old -> new" texts."""
    found = [
        f"{field}: {getattr(old, field)!r} -> {getattr(new, field)!r}"
        for field in ("version", "inputs", "outputs", "attrs", "types", "doc")
        if getattr(old, field) != getattr(new, field)
    ]
    if _infer_identity(old.infer) != _infer_identity(new.infer):
        found.append(f"infer: {old.infer!r} -> {new.infer!r}")
    return found


def _infer_identity(fn: InferFn | None) -> Any:
    """What makes two ``infer`` functions the same: equal objects, or one code with equal captured values.

    The code alone is not enough: two closures made by one factory share it.
    """
    if fn is None or not hasattr(fn, "__code__"):
        return fn
    cells = tuple(c.cell_contents for c in (fn.__closure__ or ()))
    return fn.__code__, fn.__defaults__, cells


def declared() -> dict[str, Schema]:
    """Every declared custom-domain schema, keyed by ``"domain::Op"``."""
    return {s.qualified_name: s for s in sorted(_SCHEMAS.values(), key=lambda s: s.qualified_name)}


def lookup(domain: str, op_type: str) -> Schema | None:
    """The declared schema of ``domain::op_type``, if any."""
    return _SCHEMAS.get((domain, op_type))


def node_schema(op_name: str, op_type: str, opset: int) -> Schema | None:
    """The declared schema of the node type a rule for ``op_name`` emits (None for a standard op),
    once the type is known to exist: a standard ONNX op at ``opset``, or a custom-domain op
    (``"domain::Name"``) with a declared schema.

    Raises:
        ExportError: naming the op, the node type and the fix.
    """
    domain, _, name = op_type.rpartition("::")
    if domain:
        declared = lookup(domain, name)
        if declared is None:
            raise ExportError(
                f"{op_name}: custom op {op_type!r} has no declared schema; declare it with "
                f"symreg.schema({op_type!r}, inputs=..., outputs=..., types=...) before exporting"
            )
        return declared
    if not _standard_op_at(name, opset):
        since = _standard_op_since(name)
        reason = (
            f"it exists from opset {since}: export at opset >= {since} or build it from older ops"
            if since is not None
            else "no ONNX version has it (check the spelling; custom ops are written 'domain::Name')"
        )
        raise ExportError(f"{op_name}: the rule emits {op_type!r}, which ONNX does not have at opset {opset}; {reason}")
    return None


@functools.cache
def _standard_op_at(name: str, opset: int) -> bool:
    try:
        onnx.defs.get_schema(name, max_inclusive_version=opset, domain="")
    except onnx.defs.SchemaError:
        return False
    return True


@functools.cache
def _standard_op_since(name: str) -> int | None:
    versions = [s.since_version for s in onnx.defs.get_all_schemas_with_history() if s.name == name and s.domain == ""]
    return min(versions, default=None)


def custom_domains() -> dict[str, int]:
    """Every declared custom domain and its (highest) version."""
    domains: dict[str, int] = {}
    for s in _SCHEMAS.values():
        domains[s.domain] = max(domains.get(s.domain, 0), s.version)
    return domains


@dataclasses.dataclass(frozen=True)
class _SameAsInput:
    index: int

    def __call__(self, inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
        source = inputs[self.index] if self.index < len(inputs) else None
        return [source or TensorInfo()]

    def __repr__(self) -> str:
        return f"same_as_input({self.index})"


def same_as_input(index: int = 0) -> InferFn:
    """``infer`` for ops whose single output has the dtype and shape of input ``index``."""
    return _SameAsInput(index)


@dataclasses.dataclass(frozen=True)
class _Broadcast:
    def __call__(self, inputs: Sequence[TensorInfo | None], attrs: dict[str, Any]) -> list[TensorInfo]:
        known = [i for i in inputs if i is not None]
        dtype = next((i.dtype for i in known if i.dtype is not None), None)
        if len(known) < len(inputs) or any(i.shape is None for i in known):
            return [TensorInfo(dtype)]
        rank = max((len(i.shape) for i in known), default=0)
        dims = []
        for k in range(rank):
            sizes = [i.shape[k - rank + len(i.shape)] for i in known if k - rank + len(i.shape) >= 0]
            fixed = {d for d in sizes if d is not None and d != 1}
            if None in sizes:  # a dynamic dim is 1 or the other size: a known size > 1 decides
                dims.append(fixed.pop() if len(fixed) == 1 else None)
            else:
                dims.append(fixed.pop() if len(fixed) == 1 else (1 if not fixed else None))
        return [TensorInfo(dtype, tuple(dims))]

    def __repr__(self) -> str:
        return "broadcast()"


def broadcast() -> InferFn:
    """``infer`` for elementwise ops of several inputs: one output of the first known dtype, its shape the
    inputs' shapes broadcast as NumPy does (a dim left dynamic where the inputs do not decide it)."""
    return _Broadcast()


def _formal(op: str, spec: str, types: dict[str, Sequence[str]]) -> tuple[str, str, str]:
    m = _PARAM.match(spec)
    if not m:
        raise ValueError(f'symreg.schema({op!r}): cannot read {spec!r}; write "X: T", "B?: T" or "Xs...: T"')
    name, option, type_param = m.group(1), m.group(2) or "", m.group(3)
    if type_param not in types:
        raise ValueError(f"symreg.schema({op!r}): {spec!r} uses type {type_param!r}, which `types` does not define")
    return name, option, type_param


def _tensor_type(op: str, text: str) -> str:
    full = text if text.startswith("tensor(") else f"tensor({text})"
    element = full[len("tensor(") : -1]
    if element not in _ELEMENT_TYPES:
        raise ValueError(f"symreg.schema({op!r}): unknown element type {text!r}; use e.g. 'float' or 'tensor(double)'")
    return full


def _attr(op: str, name: str, spec: Any) -> tuple[str, Any, Any]:
    if isinstance(spec, (type, types.GenericAlias)) and spec in _ATTR_TYPES:
        return name, spec, REQUIRED
    optional = _optional_type(spec)
    if optional is not None:
        return name, optional, None
    kind = _kind_of_default(spec)
    if kind is None:
        raise ValueError(
            f"symreg.schema({op!r}): attribute {name!r} must be a type (int, float, str, bool, list[int], "
            f"list[float], list[str]), such a type | None, or a default value of one, got {spec!r}"
        )
    return name, kind, spec


def _optional_type(spec: Any) -> Any:
    """``list[int]`` for ``list[int] | None`` (or ``Optional[list[int]]``); None for anything else."""
    if typing.get_origin(spec) not in (types.UnionType, typing.Union):
        return None
    args = [a for a in typing.get_args(spec) if a is not type(None)]
    if len(args) != 1 or len(typing.get_args(spec)) != 2 or args[0] not in _ATTR_TYPES:
        return None
    return args[0]


def _kind_of_default(value: Any) -> Any:
    for kind in (bool, int, float, str):
        if type(value) is kind:
            return kind
    if isinstance(value, (list, tuple)) and value:
        for kind in (int, float, str):
            if all(type(v) is kind for v in value):
                return list[kind]
    return None


def _onnx_attribute(name: str, kind: Any, default: Any) -> onnx.defs.OpSchema.Attribute:
    if default is REQUIRED or default is None:
        return onnx.defs.OpSchema.Attribute(name, _ATTR_TYPES[kind], required=default is REQUIRED)
    value = int(default) if kind is bool else list(default) if typing.get_origin(kind) is list else default
    return onnx.defs.OpSchema.Attribute(name, onnx.helper.make_attribute(name, value))


def _info_from_type(type_proto: Any) -> TensorInfo | None:
    if isinstance(type_proto, bytes):
        parsed = onnx.TypeProto()
        parsed.ParseFromString(type_proto)
        type_proto = parsed
    if type_proto is None or not type_proto.HasField("tensor_type"):
        return None
    tensor = type_proto.tensor_type
    dtype = _torch_dtype(tensor.elem_type)
    if not tensor.HasField("shape"):
        return TensorInfo(dtype, None)
    dims = tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in tensor.shape.dim)
    return TensorInfo(dtype, dims)


def _type_from_info(info: TensorInfo) -> onnx.TypeProto:
    shape = None if info.shape is None else list(info.shape)
    return onnx.helper.make_tensor_type_proto(dtypes.onnx_type(info.dtype), shape)


def _torch_dtype(elem_type: int) -> torch.dtype | None:
    try:
        return dtypes.torch_dtype(elem_type)
    except KeyError:
        return None


def snapshot() -> dict[tuple[str, str], Schema]:
    """The declared schemas, for :func:`symreg.scope`."""
    return dict(_SCHEMAS)


def restore(saved: dict[tuple[str, str], Schema]) -> None:
    """Deregisters schemas declared since ``saved`` was taken."""
    for key in set(_SCHEMAS) - set(saved):
        declared = _SCHEMAS.pop(key)
        onnx.defs.deregister_schema(declared.name, declared.version, declared.domain)
