"""``symreg.export``: ``torch.onnx.export`` with the registry applied."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from typing import Any

import onnx
import torch

from symreg import _torchscript, schemas
from symreg._dynamo import translation_table
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

    Returns what ``torch.onnx.export`` returns (an ``ONNXProgram`` with ``dynamo=True``).
    """
    if not isinstance(args, tuple):
        args = (args,)
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
        with REGISTRY.export_lowerings(lowerings or {}):
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
