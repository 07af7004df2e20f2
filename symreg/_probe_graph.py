"""Probe markers to graph outputs: the ONNX side of :mod:`symreg.debug`.

While :func:`symreg.debug.layers` exports, each probe becomes a ``symreg_debug::Probe``
node (attribute ``name``). :func:`expose` rewrites those nodes to ``Identity`` and makes
their outputs graph outputs named after the probes, so no marker reaches a runtime.
"""

from __future__ import annotations

import numpy as np
import onnx

from symreg._graphs import subgraphs

MARKER_DOMAIN, MARKER_OP = "symreg_debug", "Probe"


def expose(proto: onnx.ModelProto, dtypes: dict[str, np.dtype]) -> list[str]:
    """Rewrites probe markers to Identity nodes whose outputs are graph outputs named after the probes.

    ``dtypes``: each probe's element type in PyTorch, for outputs whose type ONNX shape
    inference cannot tell. Returns the names of the probes that are graph outputs now,
    in graph order.
    """
    graph = proto.graph
    public = {v.name for v in graph.input} | {v.name for v in graph.output} | {t.name for t in graph.initializer}
    found: dict[str, onnx.NodeProto] = {}
    for node in list(graph.node):
        if not _is_marker(node):
            continue
        name = onnx.helper.get_attribute_value(node.attribute[0]).decode()
        if name in found:
            raise ValueError(f"symreg.debug.layers: probe name {name!r} appears twice in the exported graph")
        if name in public and name != node.output[0]:
            raise ValueError(
                f"symreg.debug.layers: probe name {name!r} is also the name of a model input, output or "
                "weight; rename the probe"
            )
        found[name] = node
    bodies = [g.node for g in subgraphs(proto.graph)] + [f.node for f in proto.functions]
    for nodes in bodies:  # markers inside control-flow bodies and functions become plain Identity
        for node in nodes:
            if _is_marker(node):
                node.domain, node.op_type = "", "Identity"
                del node.attribute[:]
    outputs = {v.name for v in graph.output}
    index = len(graph.node)
    for name, node in found.items():
        value = node.output[0]
        if value == name:
            continue
        if name in _value_names(proto):
            _rename(proto, name, _unique(proto, name))
        if value in outputs:  # the probed value is a model output: keep its name, add a second Identity
            graph.node.insert(index, onnx.helper.make_node("Identity", [value], [name]))
            index += 1
        else:
            _rename(proto, value, name)
    _drop_marker_domain(proto)
    types = _inferred_types(proto)
    for name in found:
        if name in types:
            graph.output.append(onnx.helper.make_value_info(name, types[name]))
        else:
            elem = onnx.helper.np_dtype_to_tensor_dtype(dtypes[name]) if name in dtypes else 0
            graph.output.append(onnx.helper.make_tensor_value_info(name, elem, None))
    unknown = set(found) - set(dtypes)
    if unknown:
        raise ValueError(f"symreg.debug.layers: the export traced probes the eager run did not: {sorted(unknown)}")
    return list(found)


def _is_marker(node: onnx.NodeProto) -> bool:
    return node.domain == MARKER_DOMAIN and node.op_type == MARKER_OP


def _value_names(proto: onnx.ModelProto) -> set[str]:
    names = set()
    for graph in subgraphs(proto.graph):
        names |= {v.name for v in graph.input} | {t.name for t in graph.initializer}
        names |= {o for n in graph.node for o in n.output}
    return names


def _unique(proto: onnx.ModelProto, name: str) -> str:
    taken = _value_names(proto)
    k = 1
    while f"{name}__{k}" in taken:
        k += 1
    return f"{name}__{k}"


def _rename(proto: onnx.ModelProto, old: str, new: str) -> None:
    for graph in subgraphs(proto.graph):
        for node in graph.node:
            node.input[:] = [new if v == old else v for v in node.input]
            node.output[:] = [new if v == old else v for v in node.output]
        for info in [*graph.value_info, *graph.output]:
            if info.name == old:
                info.name = new


def _drop_marker_domain(proto: onnx.ModelProto) -> None:
    kept = [o for o in proto.opset_import if o.domain != MARKER_DOMAIN]
    del proto.opset_import[:]
    proto.opset_import.extend(kept)


def _inferred_types(proto: onnx.ModelProto) -> dict[str, onnx.TypeProto]:
    try:
        inferred = onnx.shape_inference.infer_shapes(proto)
    except Exception:  # noqa: BLE001 - typing the extra outputs is best effort; the checker runs later
        return {}
    return {v.name: v.type for v in inferred.graph.value_info if v.type.HasField("tensor_type")}
