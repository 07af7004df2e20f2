"""``symreg extract``: the sub-model between named tensors."""

from __future__ import annotations

import difflib
import os
from collections.abc import Sequence

import onnx
import onnx.utils

from symreg.tools import _model, _package


class TensorNameError(ValueError):
    """A tensor name the model does not have; the message lists near matches."""


def tensor_names(model: str | os.PathLike | onnx.ModelProto) -> dict[str, str]:
    """Every tensor name of the main graph and what makes it, in graph order.

    Returns:
        Name to ``"input"``, ``"initializer"`` or the producing node's op
        (``"Gemm"``, ``"symreg::Erfinv"`` for custom domains).
    """
    graph = _model.load(model, external_data=False).graph
    names = {t.name: "initializer" for t in graph.initializer}
    names = {**{v.name: "input" for v in graph.input if v.name not in names}, **names}
    for node in graph.node:
        op = f"{node.domain}::{node.op_type}" if _model.is_custom(node.domain) else node.op_type
        names.update({out: op for out in node.output if out})
    return names


def extract(
    model: str | os.PathLike | onnx.ModelProto,
    out: str | os.PathLike | None,
    outputs: Sequence[str],
    inputs: Sequence[str] | None = None,
) -> onnx.ModelProto:
    """Cuts out the sub-model that computes ``outputs`` from ``inputs``.

    Uses ``onnx.utils.Extractor`` on the shape-inferred model, so the new graph's
    inputs and outputs keep their types and shapes (symbolic dims included). Custom
    domains, initializers and model-local functions the sub-model uses come along.

    Args:
        model: path of an ONNX file, or a ``ModelProto``.
        out: where to save the sub-model (None: don't save).
        outputs: names of the tensors that become the sub-model's outputs.
        inputs: names of the tensors that become its inputs (None: the model's own
            inputs, those the outputs depend on).

    Returns:
        The sub-model, which passes ``onnx.checker``.

    Raises:
        TensorNameError: a name the model does not have (near matches suggested), or
            outputs that need a tensor neither listed in ``inputs`` nor computable.
        ValueError: no outputs, a name given twice, or a sub-model that fails ``onnx.checker`` (a fault
            of the model it was cut from).
    """
    proto = _model.load(model)
    outputs, explicit_inputs = list(outputs), inputs is not None
    inputs = list(inputs) if inputs is not None else None
    if not outputs:
        raise ValueError("extract: give at least one output tensor name")
    known = list(tensor_names(proto))
    for what, names in (("input", inputs or []), ("output", outputs)):
        _check_names(what, names, known)
    initializer_names = {t.name for t in proto.graph.initializer}
    if inputs is None:
        inputs = [v.name for v in proto.graph.input if v.name not in initializer_names]
    _package.complete_for(proto)  # shape inference types custom ops' outputs from their schemas
    inferred = _infer(proto)
    extractor = onnx.utils.Extractor(inferred)
    untyped = [n for n in [*inputs, *outputs] if n not in extractor.value_infos]
    if untyped:
        raise TensorNameError(
            f"no type is known for tensor(s) {', '.join(map(repr, untyped))}: shape inference could not "
            "type them (a custom op without a schema before them?); declare one with symreg.schema"
        )
    sub = extractor.extract_model(inputs, outputs)
    _check_closed(sub, explicit_inputs)
    if not explicit_inputs:
        # Drop model inputs the outputs do not need.
        used = {i for node in sub.graph.node for i in node.input} | {o.name for o in sub.graph.output}
        keep = [v for v in sub.graph.input if v.name in used]
        del sub.graph.input[:]
        sub.graph.input.extend(keep)
    sub.graph.name = f"{proto.graph.name or 'graph'}_extract"
    sub.producer_name, sub.producer_version = proto.producer_name, proto.producer_version
    _keep_used_opsets(sub)
    try:
        onnx.checker.check_model(sub)
    except onnx.checker.ValidationError as e:  # the model's own fault, carried into the cut
        text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ValueError(f"extract: the sub-model fails onnx.checker: {text}; see `symreg check` of the model") from e
    if out is not None:
        _model.save(sub, out)
    return sub


def _check_names(what: str, names: Sequence[str], known: list[str]) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise ValueError(f"extract: {what} {name!r} is given twice")
        seen.add(name)
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
            raise TensorNameError(
                f"unknown {what} tensor {name!r}{hint} (`symreg inspect MODEL --tensors` lists them all)"
            )


def _infer(model: onnx.ModelProto) -> onnx.ModelProto:
    try:
        return onnx.shape_inference.infer_shapes(model)
    except (onnx.shape_inference.InferenceError, RuntimeError):
        return model


def _check_closed(sub: onnx.ModelProto, explicit_inputs: bool) -> None:
    available = {v.name for v in sub.graph.input} | {t.name for t in sub.graph.initializer}
    for node in sub.graph.node:
        missing = [i for i in node.input if i and i not in available]
        if missing:
            fix = "add it to --inputs" if explicit_inputs else "name it in --inputs"
            raise TensorNameError(
                f"the outputs depend on tensor {missing[0]!r} (input of node {node.name or node.op_type!r}), "
                f"which the given inputs do not compute; {fix}"
            )
        available.update(o for o in node.output if o)


def _keep_used_opsets(sub: onnx.ModelProto) -> None:
    used = {n.domain for n in _model.nodes(sub)} | {n.domain for fn in sub.functions for n in fn.node}
    used |= {fn.domain for fn in sub.functions}
    keep = [o for o in sub.opset_import if o.domain in ("", "ai.onnx") or o.domain in used]
    del sub.opset_import[:]
    sub.opset_import.extend(keep)
