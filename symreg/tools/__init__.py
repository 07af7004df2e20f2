"""Model tools behind the ``symreg`` command, usable from Python.

::

    from symreg import tools

    print(tools.report("model.onnx"))              # IR version, opsets, ops, kernels, I/O
    result = tools.check("model.onnx")             # onnx.checker + an ORT session + one run
    if not result.ok:
        print(result)                              # what is missing, and the fix
    tools.extract("model.onnx", "part.onnx", outputs=["/lin/Gemm_output_0"])
    tools.convert("model.onnx", "old.onnx", ir_version=9)   # for an older runtime
    print(tools.library_info().path)               # libsymreg_ort.so

Every function takes a path or an ``onnx.ModelProto``. A file that cannot be used
raises ``FileNotFoundError`` or :class:`ModelError`; impossible requests raise a
``ValueError`` subclass (:class:`ConversionError`, :class:`TensorNameError`, :class:`FeedError`) whose
message says why.
"""

from symreg.tools._feeds import FeedError
from symreg.tools._model import ModelError, load
from symreg.tools.check import CheckReport, Finding, check
from symreg.tools.convert import Conversion, ConversionError, Requirement, convert, ir_requirements, min_ir_version
from symreg.tools.extract import TensorNameError, extract, tensor_names
from symreg.tools.kernel_status import LibraryInfo, kernel_for, library_info
from symreg.tools.report import CustomOp, ModelReport, TensorSpec, report

__all__ = [
    "CheckReport",
    "Conversion",
    "ConversionError",
    "CustomOp",
    "FeedError",
    "Finding",
    "LibraryInfo",
    "ModelError",
    "ModelReport",
    "Requirement",
    "TensorNameError",
    "TensorSpec",
    "check",
    "convert",
    "extract",
    "ir_requirements",
    "kernel_for",
    "library_info",
    "load",
    "min_ir_version",
    "report",
    "tensor_names",
]
