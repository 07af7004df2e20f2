"""``symreg convert``: change a model's IR version or opset, refusing what cannot be done.

Which IR version introduced what (onnx's ``onnx.proto`` and ``docs/IR.md``; the
opset-to-IR mapping is ``onnx.helper.OP_SET_ID_VERSION_MAP``):

====  =============================================================================
IR    introduced
====  =============================================================================
4     initializers need not be graph inputs; bfloat16
5     quantization annotations
6     sparse tensors (sparse initializers)
7     training info
8     model-local functions; sparse and optional types
9     function attribute defaults; float8 types
10    int4/uint4; function overloads; metadata_props on graphs, nodes, functions
11    float4e2m1; multi-device configuration
12    float8e8m0
13    int2/uint2
14    float6 types
====  =============================================================================
"""

from __future__ import annotations

import dataclasses
import os

import onnx
import onnx.version_converter
from onnx import TensorProto

from symreg.tools import _model, _package

_TYPE_IR = {
    TensorProto.BFLOAT16: 4,
    TensorProto.FLOAT8E4M3FN: 9,
    TensorProto.FLOAT8E4M3FNUZ: 9,
    TensorProto.FLOAT8E5M2: 9,
    TensorProto.FLOAT8E5M2FNUZ: 9,
    TensorProto.UINT4: 10,
    TensorProto.INT4: 10,
    TensorProto.FLOAT4E2M1: 11,
    TensorProto.FLOAT8E8M0: 12,
    TensorProto.UINT2: 13,
    TensorProto.INT2: 13,
    TensorProto.FLOAT6E2M3: 14,
    TensorProto.FLOAT6E3M2: 14,
}
_DTYPE_ATTRS = ("to", "dtype", "output_dtype", "saturate_dtype")
_OLDEST_IR = 3  # the first with opset_import; older models cannot say which ops they use


class ConversionError(ValueError):
    """A conversion that cannot be done; the message says why and, where possible, what to do."""


@dataclasses.dataclass(frozen=True)
class Requirement:
    """Something in a model that needs at least IR version ``ir_version``."""

    ir_version: int
    reason: str  # e.g. "opset ai.onnx 21"

    def __str__(self) -> str:
        return f"{self.reason} needs IR version >= {self.ir_version}"


@dataclasses.dataclass(frozen=True)
class Conversion:
    """What :func:`convert` did: versions before and after, and notes (e.g. what it dropped)."""

    ir_version: tuple[int, int]
    opset: tuple[int, int]
    notes: tuple[str, ...]
    model: onnx.ModelProto = dataclasses.field(repr=False)


def ir_requirements(model: str | os.PathLike | onnx.ModelProto) -> list[Requirement]:
    """Everything in ``model`` that needs an IR version newer than 3, highest first.

    Node, graph and function ``metadata_props`` (IR 10) are not listed: they are
    annotations that :func:`convert` drops when lowering below IR 10.
    """
    model = _model.load(model, external_data=False)
    found: dict[str, int] = {}

    def need(ir: int, reason: str) -> None:
        if ir > _OLDEST_IR and ir > found.get(reason, 0):
            found[reason] = ir

    for opset in model.opset_import:
        key = (opset.domain or "ai.onnx", opset.version)
        if key in onnx.helper.OP_SET_ID_VERSION_MAP:
            need(onnx.helper.OP_SET_ID_VERSION_MAP[key], f"opset {key[0]} {key[1]}")
    for graph in _model.graphs(model.graph):
        inputs = {v.name for v in graph.input}
        if any(t.name not in inputs for t in graph.initializer):
            need(4, "initializers that are not graph inputs")
        if graph.quantization_annotation:
            need(5, "quantization annotations")
        if graph.sparse_initializer:
            need(6, "sparse initializers")
        for t in graph.initializer:
            _need_type(need, t.data_type, f"initializer {t.name!r}")
        for v in [*graph.input, *graph.output, *graph.value_info]:
            _type_requirements(need, v.type, f"tensor {v.name!r}")
        for node in graph.node:
            _node_requirements(need, node)
    if model.training_info:
        need(7, "training info")
    if model.functions:
        need(8, "model-local functions")
    for fn in model.functions:
        if fn.attribute_proto:
            need(9, f"default attributes of function {fn.name!r}")
        if fn.overload:
            need(10, f"overload of function {fn.name!r}")
        for node in fn.node:
            _node_requirements(need, node)
    if model.configuration:
        need(11, "multi-device configuration")
    return [Requirement(ir, reason) for reason, ir in sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))]


def min_ir_version(model: str | os.PathLike | onnx.ModelProto) -> int:
    """The lowest IR version ``model`` can be stamped with (see :func:`ir_requirements`)."""
    requirements = ir_requirements(model)
    return max([_OLDEST_IR] + [r.ir_version for r in requirements])


def convert(
    model: str | os.PathLike | onnx.ModelProto,
    out: str | os.PathLike | None = None,
    *,
    ir_version: int | None = None,
    opset: int | None = None,
) -> Conversion:
    """Converts ``model`` to another opset and/or IR version, checks it, and saves it.

    The opset is converted first, with ``onnx.version_converter``; nodes of custom
    domains are left as they are (and verified to be). The IR version is then set,
    after checking that nothing in the model needs a newer one (see
    :func:`ir_requirements`); raising the opset raises the IR version as far as the
    new opset needs. The result passes ``onnx.checker`` (full check).

    Args:
        model: path of an ONNX file, or a ``ModelProto``.
        out: where to save the result (None: don't save).
        ir_version: the IR version to stamp (None: keep, or raise as the opset needs).
        opset: the ``ai.onnx`` opset to convert to (None: keep).

    Returns:
        A :class:`Conversion` holding the converted model.

    Raises:
        ConversionError: the conversion is impossible; the message says why.
        FileNotFoundError, symreg.tools.ModelError: the model cannot be read.
    """
    if ir_version is None and opset is None:
        raise ValueError("symreg.tools.convert: give ir_version, opset or both")
    proto = onnx.ModelProto()
    proto.CopyFrom(_model.load(model))
    _package.complete_for(proto)  # the full check afterwards needs custom ops' schemas
    before_ir, before_opset = proto.ir_version, _default_opset(proto)
    notes: list[str] = []
    if opset is not None:
        proto = _convert_opset(proto, opset, notes)
        needed = min_ir_version(proto)
        if ir_version is None and proto.ir_version < needed:
            notes.append(f"raised the IR version to {needed}, as opset {opset} needs")
            proto.ir_version = needed
    if ir_version is not None:
        _set_ir_version(proto, ir_version, notes)
    try:
        onnx.checker.check_model(proto, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as e:
        raise ConversionError(f"the converted model fails onnx.checker: {_first_line(e)}") from e
    if out is not None:
        had_external = isinstance(model, (str, os.PathLike)) and any(
            t.data_location == TensorProto.EXTERNAL
            for t in _model.initializers(_model.load(model, external_data=False))
        )
        _model.save(proto, out, external_data=had_external)
    return Conversion((before_ir, proto.ir_version), (before_opset, _default_opset(proto)), tuple(notes), proto)


def _set_ir_version(model: onnx.ModelProto, target: int, notes: list[str]) -> None:
    newest = onnx.IR_VERSION
    if not _OLDEST_IR <= target <= newest:
        raise ConversionError(
            f"IR version {target} is outside what the installed onnx {onnx.__version__} knows ({_OLDEST_IR}..{newest})"
        )
    if target >= model.ir_version:
        model.ir_version = target
        return
    blocking = [r for r in ir_requirements(model) if r.ir_version > target]
    if blocking:
        reasons = "; ".join(str(r) for r in blocking[:5]) + ("; ..." if len(blocking) > 5 else "")
        hint = ""
        if any(r.reason.startswith("opset ai.onnx ") for r in blocking):
            allowed = [v for (d, v), ir in onnx.helper.OP_SET_ID_VERSION_MAP.items() if d == "ai.onnx" and ir <= target]
            hint = f" (opset {max(allowed)} is the newest that IR version {target} allows: convert with --opset first)"
        raise ConversionError(f"cannot lower IR version {model.ir_version} to {target}: {reasons}{hint}")
    if target < 10:
        dropped = _drop_metadata(model)
        if dropped:
            notes.append(f"dropped metadata_props of {dropped} graph(s)/node(s)/function(s) (IR >= 10 only)")
    model.ir_version = target


def _convert_opset(model: onnx.ModelProto, target: int, notes: list[str]) -> onnx.ModelProto:
    newest = onnx.defs.onnx_opset_version()
    if not 1 <= target <= newest:
        raise ConversionError(
            f"opset {target} is outside what the installed onnx {onnx.__version__} knows (1..{newest})"
        )
    current = _default_opset(model)
    if current is None:
        raise ConversionError("the model imports no ai.onnx opset; there is nothing to convert")
    if current == target:
        notes.append(f"the model is already at opset {target}")
        return model
    custom = {o.domain: o.version for o in model.opset_import if _model.is_custom(o.domain)}
    custom_nodes = _custom_nodes(model)
    try:
        converted = onnx.version_converter.convert_version(model, target)
    except (RuntimeError, ValueError, onnx.checker.ValidationError) as e:
        raise ConversionError(
            f"onnx's version converter cannot convert this model from opset {current} to {target}: {_first_line(e)}"
        ) from e
    # Keep custom domains exactly as they were: imported at the same versions, same nodes.
    kept = {o.domain: o for o in converted.opset_import}
    for domain, version in custom.items():
        if domain not in kept:
            converted.opset_import.append(onnx.helper.make_opsetid(domain, version))
        else:
            kept[domain].version = version
    if _custom_nodes(converted) != custom_nodes:
        raise ConversionError(
            f"onnx's version converter changed the custom-domain nodes while converting to opset {target}; "
            "the result was not saved"
        )
    return converted


def _custom_nodes(model: onnx.ModelProto) -> list[bytes]:
    return [n.SerializeToString() for n in _model.nodes(model) if _model.is_custom(n.domain)]


def _default_opset(model: onnx.ModelProto) -> int | None:
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)


def _need_type(need, elem_type: int, where: str) -> None:
    if elem_type in _TYPE_IR:
        name = onnx.helper.tensor_dtype_to_string(elem_type).split(".")[-1].lower()
        need(_TYPE_IR[elem_type], f"type {name} ({where})")


def _type_requirements(need, type_proto: onnx.TypeProto, where: str) -> None:
    kind = type_proto.WhichOneof("value")
    if kind == "tensor_type":
        _need_type(need, type_proto.tensor_type.elem_type, where)
    elif kind == "sparse_tensor_type":
        need(8, f"sparse tensor type ({where})")
    elif kind == "optional_type":
        need(8, f"optional type ({where})")
        _type_requirements(need, type_proto.optional_type.elem_type, where)
    elif kind == "sequence_type":
        _type_requirements(need, type_proto.sequence_type.elem_type, where)
    elif kind == "map_type":
        _type_requirements(need, type_proto.map_type.value_type, where)


def _node_requirements(need, node: onnx.NodeProto) -> None:
    where = f"node {node.name or node.op_type!r}"
    if node.device_configurations:
        need(11, f"device configuration of {where}")
    for attr in node.attribute:
        if attr.type == onnx.AttributeProto.TENSOR:
            _need_type(need, attr.t.data_type, where)
        elif attr.type == onnx.AttributeProto.SPARSE_TENSOR:
            need(6, f"sparse tensor attribute of {where}")
        elif attr.type == onnx.AttributeProto.INT and attr.name in _DTYPE_ATTRS:
            _need_type(need, attr.i, where)


def _drop_metadata(model: onnx.ModelProto) -> int:
    dropped = 0
    holders = [*model.functions, *(n for fn in model.functions for n in fn.node), *_model.nodes(model)]
    for graph in _model.graphs(model.graph):
        holders += [graph, *graph.input, *graph.output, *graph.value_info, *graph.initializer]
    for holder in holders:
        if holder.metadata_props:
            del holder.metadata_props[:]
            dropped += 1
    return dropped


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
