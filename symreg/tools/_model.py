"""Loading models with errors a user can act on, and walking their graphs."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import onnx
from google.protobuf.message import DecodeError

from symreg._graphs import all_nodes, subgraphs

#: Domains whose ops the ONNX standard defines (ORT has kernels for them).
STANDARD_DOMAINS = frozenset({"", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training"})


class ModelError(ValueError):
    """A model file that cannot be used: missing, not ONNX, truncated, or inconsistent."""


def domain_name(domain: str) -> str:
    """The display name of an opset domain ("" is ``ai.onnx``)."""
    return domain or "ai.onnx"


def is_custom(domain: str) -> bool:
    """Whether ``domain`` is outside the ONNX standard domains."""
    return domain not in STANDARD_DOMAINS


def load(model: str | os.PathLike | onnx.ModelProto, *, external_data: bool = True) -> onnx.ModelProto:
    """Reads an ONNX model, raising errors that say what is wrong with the file.

    Args:
        model: a path to a ``.onnx`` file, or a ``ModelProto`` (returned as is).
        external_data: also read tensors stored in external data files.

    Returns:
        The model.

    Raises:
        FileNotFoundError: no such file (or a missing external data file).
        ModelError: not an ONNX model, or a truncated/corrupt one.
    """
    if isinstance(model, onnx.ModelProto):
        return model
    path = Path(model)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ModelError(f"{path}: is a directory, not an ONNX model file")
    data = path.read_bytes()
    if not data:
        raise ModelError(f"{path}: empty file, not an ONNX model")
    proto = onnx.ModelProto()
    try:
        proto.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as e:
        raise ModelError(_unreadable(path, data, e)) from e
    if proto.ir_version <= 0 or not proto.HasField("graph"):
        raise ModelError(_unreadable(path, data, None))
    if not proto.opset_import:
        # torch and onnx write opset_import after the graph: a file cut there parses.
        raise ModelError(f"{path}: no opset_import; the file is truncated or was not written completely")
    if external_data and _uses_external_data(proto):
        try:
            onnx.load_external_data_for_model(proto, str(path.parent))
        except (FileNotFoundError, OSError, onnx.checker.ValidationError) as e:
            raise FileNotFoundError(f"{path}: cannot read its external data: {e}") from e
    return proto


def _unreadable(path: Path, data: bytes, error: Exception | None) -> str:
    # Every ONNX writer starts with field 1 (ir_version, varint): tag byte 0x08.
    if data[:1] == b"\x08":
        why = f" ({error})" if error else ""
        return f"{path}: truncated or corrupt ONNX file; protobuf parsing failed{why}"
    return f"{path}: not an ONNX model (not a serialized ModelProto)"


def _uses_external_data(model: onnx.ModelProto) -> bool:
    return any(t.data_location == onnx.TensorProto.EXTERNAL for t in initializers(model))


def base_dir(model: str | os.PathLike | onnx.ModelProto) -> Path | None:
    """The folder external data paths are relative to (None for an in-memory model)."""
    return None if isinstance(model, onnx.ModelProto) else Path(model).resolve().parent


graphs = subgraphs  # the graph and every subgraph, depth first


def nodes(model: onnx.ModelProto) -> Iterator[onnx.NodeProto]:
    """Every node of the main graph and its subgraphs (not of local functions)."""
    yield from all_nodes(model.graph)


def initializers(model: onnx.ModelProto) -> Iterator[onnx.TensorProto]:
    """Every dense initializer of the main graph and its subgraphs."""
    for graph in graphs(model.graph):
        yield from graph.initializer


def uses_custom_ops(model: onnx.ModelProto) -> bool:
    """Whether a node of ``model`` (its graphs' or its local functions') is a custom-domain op.

    Calls of the model's own local functions don't count: the model defines them.
    """
    functions = {(f.domain, f.name) for f in model.functions}
    bodies = (node for fn in model.functions for each in fn.node for node in _with_subgraph_nodes(each))
    return any(
        is_custom(node.domain) and (node.domain, node.op_type) not in functions
        for node in itertools.chain(nodes(model), bodies)
    )


def _with_subgraph_nodes(node: onnx.NodeProto) -> Iterator[onnx.NodeProto]:
    yield node
    for attr in node.attribute:
        for graph in [attr.g] if attr.type == onnx.AttributeProto.GRAPH else attr.graphs:
            yield from all_nodes(graph)


def save(model: onnx.ModelProto, out: str | os.PathLike, *, external_data: bool = False) -> None:
    """Writes ``model`` to ``out``; tensors go to ``<out>.data`` if asked or if it exceeds 2 GB."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if external_data or model.ByteSize() > onnx.checker.MAXIMUM_PROTOBUF:
        onnx.save(model, out, save_as_external_data=True, location=out.name + ".data")
    else:
        onnx.save(model, out)
