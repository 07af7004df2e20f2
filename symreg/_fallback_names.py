"""Names of fallback nodes (:mod:`symreg._fallback_calls`), without torch: the model tools read them too."""

from __future__ import annotations

import onnx

DOMAIN_PREFIX = "symreg."


def domain_of(op: str) -> str:
    """The fallback domain of ``namespace::name``: ``symreg.namespace``."""
    return DOMAIN_PREFIX + op.split("::")[0]


def op_type_of(op: str, overload: str) -> str:
    """The fallback op type of an overload of ``namespace::name``: ``name`` or ``name.overload``."""
    name = op.split("::")[1]
    return name if overload in ("", "default") else f"{name}.{overload}"


def is_fallback_node(node: onnx.NodeProto) -> bool:
    """Whether ``node`` is a fallback node (its domain is ``symreg.<namespace>`` and it has ``arguments``)."""
    return node.domain.startswith(DOMAIN_PREFIX) and any(a.name == "arguments" for a in node.attribute)


def op_of_node(node: onnx.NodeProto) -> tuple[str, str]:
    """(``namespace::name``, overload) of a fallback node."""
    name, _, overload = node.op_type.partition(".")
    return f"{node.domain[len(DOMAIN_PREFIX) :]}::{name}", overload or "default"
