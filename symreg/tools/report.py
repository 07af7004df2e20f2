"""``symreg inspect``: what a model is made of, read without loading its weights."""

from __future__ import annotations

import collections
import dataclasses
import math
import os
from pathlib import Path

import numpy as np
import onnx

from symreg import _table
from symreg._fallback_names import is_fallback_node
from symreg.tools import _model, _package, kernel_status


@dataclasses.dataclass(frozen=True)
class TensorSpec:
    """A graph input or output: name, element type (e.g. ``"float"``) and shape.

    ``shape`` is None when the rank is unknown; a dim is an int, the name of a
    symbolic dim (``"batch"``), or None when unknown.
    """

    name: str
    dtype: str
    shape: tuple[int | str | None, ...] | None

    def shape_text(self) -> str:
        """The shape as text, e.g. ``"(batch, 3, 224, 224)"``; ``?`` for unknown dims."""
        if self.shape is None:
            return "unknown rank"
        return "(" + ", ".join("?" if d is None else str(d) for d in self.shape) + ")"


@dataclasses.dataclass(frozen=True)
class CustomOp:
    """A custom-domain op used by a model and who can run it.

    ``kernel`` is one of ``"onnxruntime"``, ``"C++"`` (libsymreg_ort.so),
    ``"Python"`` (``symreg.kernel``), ``"local function"``, ``"torch fallback"`` (a fallback
    node of ``symreg.export(..., fallback="python")``: the op runs in torch eager) or ``"none"``.
    """

    domain: str
    op_type: str
    version: int
    count: int
    kernel: str
    schema: bool  # whether onnx knows a schema for it (symreg.schema or another)

    @property
    def qualified_name(self) -> str:
        return f"{self.domain}::{self.op_type}"


@dataclasses.dataclass(frozen=True)
class ModelReport:
    """What :func:`report` found. ``str(report)`` is a plain-text report; see :meth:`render`.

    Attributes:
        path: the model file (None for an in-memory model).
        ir_version: the model's IR version.
        producer: producer name and version, e.g. ``"pytorch 2.14.1"``.
        opsets: imported version per domain (``"ai.onnx"`` for the default domain).
        op_counts: ``(domain, op_type, count)``, most frequent first.
        custom_ops: the ops of custom domains and their kernels.
        parameters: number of elements in all initializers.
        parameter_bytes: their size in bytes, external data included (None if some
            external data file is missing so its size is unknown).
        external_bytes: of which stored in external data files.
        inputs / outputs: the graph's inputs (initializers excluded) and outputs.
    """

    path: str | None
    ir_version: int
    producer: str
    opsets: dict[str, int]
    op_counts: tuple[tuple[str, str, int], ...]
    custom_ops: tuple[CustomOp, ...]
    parameters: int
    parameter_bytes: int | None
    external_bytes: int
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]

    @property
    def missing_kernels(self) -> tuple[CustomOp, ...]:
        """The custom ops no kernel can run."""
        return tuple(op for op in self.custom_ops if op.kernel == kernel_status.NONE)

    def render(self, *, styled: bool = False) -> str:
        """The report as text: a summary, then tables (drawn with ``rich`` if ``styled``)."""
        size = "unknown (external data missing)" if self.parameter_bytes is None else _bytes(self.parameter_bytes)
        external = f", {_bytes(self.external_bytes)} in external data" if self.external_bytes else ""
        summary = [
            f"model:       {self.path or '(in memory)'}",
            f"IR version:  {self.ir_version}",
            f"producer:    {self.producer or 'unknown'}",
            "opsets:      " + ", ".join(f"{d} {v}" for d, v in self.opsets.items()),
            f"parameters:  {self.parameters:,} ({size}{external})",
        ]
        parts = ["\n".join(summary)]
        io_rows = [("input", t.name, t.dtype, t.shape_text()) for t in self.inputs]
        io_rows += [("output", t.name, t.dtype, t.shape_text()) for t in self.outputs]
        parts.append(_table.render("Inputs and outputs", ["", "name", "type", "shape"], io_rows, styled=styled))
        op_rows = [(_model.domain_name(d), op, n) for d, op, n in self.op_counts]
        parts.append(_table.render("Ops", ["domain", "op", "count"], op_rows, styled=styled))
        if self.custom_ops:
            rows = [(op.qualified_name, op.version, op.count, op.schema, op.kernel) for op in self.custom_ops]
            parts.append(
                _table.render("Custom ops", ["op", "version", "count", "schema", "kernel"], rows, styled=styled)
            )
        return "\n\n".join(parts)

    def __str__(self) -> str:
        return self.render()


def report(model: str | os.PathLike | onnx.ModelProto) -> ModelReport:
    """Reports a model's IR version, opsets, ops, custom ops' kernels, parameters and I/O.

    Weights stored in external data files are not read: their sizes come from the
    tensors' ``length`` entries or the files' sizes.

    Args:
        model: path of an ONNX file, or a ``ModelProto``.

    Returns:
        A :class:`ModelReport`.

    Raises:
        FileNotFoundError, symreg.tools.ModelError: the file cannot be read as ONNX.
    """
    proto = _model.load(model, external_data=False)
    opsets = {o.domain: o.version for o in proto.opset_import}
    counts = collections.Counter((n.domain, n.op_type) for n in _model.nodes(proto))
    op_counts = tuple((d, op, n) for (d, op), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    count, size, external = _parameters(proto, _model.base_dir(model))
    return ModelReport(
        path=None if isinstance(model, onnx.ModelProto) else str(model),
        ir_version=proto.ir_version,
        producer=f"{proto.producer_name} {proto.producer_version}".strip(),
        opsets={_model.domain_name(d): v for d, v in sorted(opsets.items())},
        op_counts=op_counts,
        custom_ops=custom_ops(proto),
        parameters=count,
        parameter_bytes=size,
        external_bytes=external,
        inputs=_specs(v for v in proto.graph.input if v.name not in {t.name for t in proto.graph.initializer}),
        outputs=_specs(proto.graph.output),
    )


def custom_ops(model: onnx.ModelProto) -> tuple[CustomOp, ...]:
    """The custom-domain ops of ``model`` with their use count and kernel kind."""
    _package.complete_for(model)  # declared schemas and kernels come with symreg's op pack
    opsets = {o.domain: o.version for o in model.opset_import}
    functions = {(f.domain, f.name) for f in model.functions}
    found: dict[tuple[str, str], list] = {}
    for node in _model.nodes(model):
        if not _model.is_custom(node.domain):
            continue
        key = (node.domain, node.op_type)
        if key in found:
            found[key][0] += 1
            continue
        version = opsets.get(node.domain, 1)
        if key in functions:
            kernel = kernel_status.FUNCTION
        elif is_fallback_node(node):
            kernel = kernel_status.FALLBACK
        else:
            kernel = kernel_status.kernel_for(f"{node.domain}::{node.op_type}", version)
        found[key] = [1, version, kernel, _has_schema(node.op_type, version, node.domain)]
    return tuple(
        CustomOp(domain, op_type, version, n, kernel, schema)
        for (domain, op_type), (n, version, kernel, schema) in sorted(found.items())
    )


def _has_schema(op_type: str, version: int, domain: str) -> bool:
    try:
        onnx.defs.get_schema(op_type, version, domain)
    except onnx.defs.SchemaError:
        return False
    return True


def _specs(values) -> tuple[TensorSpec, ...]:
    return tuple(_spec(v) for v in values)


def _spec(value: onnx.ValueInfoProto) -> TensorSpec:
    kind = value.type.WhichOneof("value")
    if kind != "tensor_type":
        return TensorSpec(value.name, kind.replace("_type", "") if kind else "unknown", None)
    tensor = value.type.tensor_type
    dtype = onnx.helper.tensor_dtype_to_string(tensor.elem_type).split(".")[-1].lower() if tensor.elem_type else "?"
    if not tensor.HasField("shape"):
        return TensorSpec(value.name, dtype, None)
    dims = tuple(d.dim_value if d.HasField("dim_value") else (d.dim_param or None) for d in tensor.shape.dim)
    return TensorSpec(value.name, dtype, dims)


def _parameters(model: onnx.ModelProto, base: Path | None) -> tuple[int, int | None, int]:
    count, size, external = 0, 0, 0
    for tensor in _model.initializers(model):
        count += math.prod(tensor.dims)
        if tensor.data_location == onnx.TensorProto.EXTERNAL:
            n = _external_length(tensor, base)
            if n is None:
                size = None
            else:
                external += n
                size = None if size is None else size + n
        elif size is not None:
            size += _inline_length(tensor)
    for graph in _model.graphs(model.graph):
        for sparse in graph.sparse_initializer:
            count += math.prod(sparse.values.dims)
            if size is not None:
                size += _inline_length(sparse.values) + _inline_length(sparse.indices)
    return count, size, external


def _external_length(tensor: onnx.TensorProto, base: Path | None) -> int | None:
    info = {e.key: e.value for e in tensor.external_data}
    if "length" in info:
        return int(info["length"])
    if base is None or "location" not in info:
        return None
    path = base / info["location"]
    if not path.is_file():
        return None
    return path.stat().st_size - int(info.get("offset", 0))


def _inline_length(tensor: onnx.TensorProto) -> int:
    if tensor.HasField("raw_data"):
        return len(tensor.raw_data)
    if tensor.data_type == onnx.TensorProto.STRING:
        return sum(len(s) for s in tensor.string_data)
    try:
        itemsize = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type)).itemsize
    except (KeyError, TypeError, ValueError):
        itemsize = 4
    return math.prod(tensor.dims) * itemsize


def _bytes(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:,} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")
