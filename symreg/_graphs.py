"""Walking an ONNX graph and its subgraphs (If/Loop/Scan bodies), for every module that edits or reads models."""

from __future__ import annotations

from collections.abc import Iterator

import onnx


def subgraphs(graph: onnx.GraphProto) -> Iterator[onnx.GraphProto]:
    """``graph`` and every subgraph nested in it, depth first."""
    yield graph
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH:
                yield from subgraphs(attr.g)
            for sub in attr.graphs:
                yield from subgraphs(sub)


def all_nodes(graph: onnx.GraphProto) -> Iterator[onnx.NodeProto]:
    """Every node of ``graph`` and of its subgraphs (not of local functions)."""
    for each in subgraphs(graph):
        yield from each.node
