"""symreg: export PyTorch models that ``torch.onnx`` refuses, and run them in ONNX Runtime.

One decorator registers an ONNX export rule for both PyTorch exporters::

    @symreg.op("aten::sinh", opset=9)
    def sinh(g, x):
        return g.op("Sinh", x)

Importing symreg registers its built-in op pack (:mod:`symreg.ops`). This module only
re-exports: each name lives in the module named for its concern.
"""

from __future__ import annotations

from symreg import _meta, debug, dtypes, ort
from symreg._dynamo import translation_table
from symreg._torchscript import MIRROR as _MIRROR  # noqa: F401 - mirrors rules into torch
from symreg.builder import Builder, TensorInfo
from symreg.doctor import DoctorReport, doctor
from symreg.errors import ConstantArgumentError, ExportError
from symreg.export import FallbackWarning, export
from symreg.pykernels import KernelError, PyKernel, kernel, kernels, unregister_kernel
from symreg.registry import Rule, lowerings, op, rules, scope, set_lowering, unregister
from symreg.schemas import Schema, same_as_input, schema
from symreg.verify import verify

__version__ = _meta.VERSION
__all__ = [
    "Builder",
    "ConstantArgumentError",
    "DoctorReport",
    "ExportError",
    "FallbackWarning",
    "KernelError",
    "PyKernel",
    "Rule",
    "Schema",
    "TensorInfo",
    "debug",
    "doctor",
    "dtypes",
    "export",
    "kernel",
    "kernels",
    "lowerings",
    "op",
    "ort",
    "rules",
    "same_as_input",
    "schema",
    "scope",
    "set_lowering",
    "translation_table",
    "unregister",
    "unregister_kernel",
    "verify",
]

from symreg import ops as _ops  # noqa: F401 - registers the built-in op pack
