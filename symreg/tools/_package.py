"""The whole ``symreg`` package, for the tools that need more than onnx and onnxruntime.

Reading, cutting and converting standard ONNX needs onnx alone. Custom-domain ops need
what ``import symreg`` sets up, which imports torch: the op pack's schemas (for
``onnx.checker``'s full check and shape inference), Python kernels and :mod:`symreg.ort`.
In a program that imported symreg it is there already; the ``symreg`` command defers it
(see ``_symreg_launcher``), and the tools ask for it here when a model has such ops.
"""

from __future__ import annotations

import sys
import types

import onnx

from symreg.tools import _model


def complete() -> types.ModuleType:
    """The ``symreg`` package, its ``__init__`` run (op pack registered; imports torch)."""
    launcher = sys.modules.get("_symreg_launcher")
    if launcher is not None:
        launcher.finish_import()
    import symreg

    return symreg


def complete_for(model: onnx.ModelProto) -> None:
    """Runs :func:`complete` when ``model`` has custom-domain ops (:func:`_model.uses_custom_ops`), and
    declares the schemas of its fallback nodes (``symreg.export(..., fallback="python")``)."""
    if _model.uses_custom_ops(model):
        complete()
        from symreg import _fallback_calls

        _fallback_calls.declare_schemas_of(model)
