"""``symreg.export``: ``torch.onnx.export`` with the registry applied."""

from __future__ import annotations

import collections
import contextlib
import io
import os
import warnings
from collections.abc import Mapping
from typing import Any

import onnx
import torch

from symreg import _fallback_dynamo, _fallback_torchscript, _torchscript, schemas
from symreg._dynamo import translation_table
from symreg._fallback_calls import Refusal
from symreg._graphs import all_nodes
from symreg.errors import ExportError
from symreg.registry import REGISTRY


def export(
    model: torch.nn.Module,
    args: tuple[Any, ...] | Any,
    f: str | os.PathLike | io.BytesIO | None = None,
    *,
    opset_version: int | None = None,
    dynamo: bool = False,
    lowerings: Mapping[str, str] | None = None,
    fallback: str | None = None,
    **kwargs: Any,
) -> Any:
    """Exports ``model`` with symreg's rules, like ``torch.onnx.export``.

    With ``dynamo=False`` (the TorchScript exporter) the rules are already
    registered with torch; declared custom domains are passed as ``custom_opsets``.
    With ``dynamo=True`` the registry is passed as ``custom_translation_table``
    (entries of a ``custom_translation_table`` you pass win). Either way the
    model's ``opset_import`` lists every custom domain its nodes use. Every other
    argument (``input_names``, ``output_names``, ``dynamic_axes``,
    ``dynamic_shapes``, ...) goes to ``torch.onnx.export`` unchanged.

    ``lowerings`` forces a lowering per op for this export, e.g.
    ``{"torchvision::deform_conv2d": "decomposition"}`` (see :func:`symreg.lowerings`).

    ``fallback="python"`` exports every call that neither the exporter nor a symreg rule can
    convert as a custom-domain node (domain ``symreg.aten`` for ``aten::`` ops, op type the op's
    name, its non-tensor arguments in attributes) which :func:`symreg.ort.InferenceSession` runs
    by calling the op in torch eager: the model runs, and matches eager, before its rules exist.
    For prototyping and for finding what a model needs (:func:`symreg.doctor` lists the same
    calls): such a model needs Python, torch and onnxruntime-extensions at run time, and
    ``symreg check`` reports each fallback op as needing a rule. A :class:`symreg.FallbackWarning`
    names the ops that fell back. Ops returning lists of tensors cannot fall back.

    Returns what ``torch.onnx.export`` returns (an ``ONNXProgram`` with ``dynamo=True``).
    """
    refusals: list[Refusal] = []
    result = run_export(model, args, f, opset_version, dynamo, lowerings, fallback, refusals, None, kwargs)
    if refusals:
        warnings.warn(FallbackWarning.about(refusals), FallbackWarning, stacklevel=2)
    return result


def run_export(
    model: torch.nn.Module,
    args: tuple[Any, ...] | Any,
    f: str | os.PathLike | io.BytesIO | None,
    opset_version: int | None,
    dynamo: bool,
    lowerings: Mapping[str, str] | None,
    fallback: str | None,
    refusals: list[Refusal],
    seen: collections.Counter | None,
    kwargs: dict[str, Any],
) -> Any:
    """:func:`export`; the calls that fell back are appended to ``refusals``, and ``seen`` (when given)
    counts every op the exporter converted (for :func:`symreg.doctor`)."""
    if not isinstance(args, tuple):
        args = (args,)
    if fallback not in (None, "python"):
        raise ValueError(f"symreg.export(fallback={fallback!r}): fallback is None or 'python'")
    if dynamo:
        table = translation_table(opset_version or 18)
        table.update(kwargs.pop("custom_translation_table", None) or {})
        kwargs["custom_translation_table"] = table
    else:
        _torchscript.MIRROR.reassert()
        # Domains left out are imported at version 1; naming unused ones makes torch warn.
        declared = {d: v for d, v in schemas.custom_domains().items() if v != 1}
        kwargs["custom_opsets"] = {**declared, **(kwargs.get("custom_opsets") or {})}
    try:
        with REGISTRY.export_lowerings(lowerings or {}), _fallback(fallback, dynamo, refusals, seen):
            result = torch.onnx.export(model, args, f, opset_version=opset_version, dynamo=dynamo, **kwargs)
    except Exception as e:
        cause = _rule_error(e)
        if cause is None or cause is e:
            raise
        # The dynamo exporter buries a rule's error under generic conversion advice.
        raise type(cause)(str(cause)) from e
    if isinstance(f, (str, os.PathLike)) and os.path.exists(f):
        _import_custom_domains(f)
    return result


class FallbackWarning(UserWarning):
    """An export with ``fallback="python"`` wrote fallback nodes: the model needs Python and torch to run."""

    @staticmethod
    def about(refusals: list[Refusal]) -> str:
        counts = collections.Counter(f"{r.op}.{r.overload}" if r.overload != "default" else r.op for r in refusals)
        listed = ", ".join(f"{op} ({n})" for op, n in sorted(counts.items()))
        return (
            f"symreg.export: {len(refusals)} call(s) of {len(counts)} op(s) have no rule and run in torch eager "
            f"through fallback nodes: {listed}. The model needs Python, torch and onnxruntime-extensions to run "
            "(symreg.ort.InferenceSession); write a rule (symreg.op) for each op to export it for deployment"
        )


def _fallback(
    fallback: str | None, dynamo: bool, refusals: list[Refusal], seen: collections.Counter | None
) -> contextlib.AbstractContextManager:
    if fallback is None:
        return contextlib.nullcontext()
    module = _fallback_dynamo if dynamo else _fallback_torchscript
    return module.fallback_nodes(refusals, seen)


def _rule_error(error: BaseException) -> ExportError | None:
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, ExportError):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def _import_custom_domains(path: str | os.PathLike) -> None:
    """Adds missing custom-domain entries to a saved model's ``opset_import``."""
    model = onnx.load(path, load_external_data=False)
    declared = schemas.custom_domains()
    imported = {o.domain for o in model.opset_import}
    used = {n.domain for n in all_nodes(model.graph)} | {n.domain for fn in model.functions for n in fn.node}
    missing = sorted(d for d in used - imported if d in declared)
    if not missing:
        return
    for domain in missing:
        model.opset_import.append(onnx.helper.make_opsetid(domain, declared[domain]))
    onnx.save(model, path)
