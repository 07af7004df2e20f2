"""Which runtime can execute a custom-domain op: asked of ONNX Runtime itself.

The truth about a native kernel is whether ORT can create a session for a one-node
model of the op, first without ``libsymreg_ort.so`` (ORT's own kernels), then with it
(symreg's C++ kernels), through :func:`symreg.ort.has_native_kernel`. Python kernels
are those registered with :func:`symreg.kernel`, which symreg.ort sessions run when no
native kernel exists.

:func:`library_info` needs neither symreg.ort nor the op pack (both import torch): the
library's ops are those it was built with (``symreg._kernels.NATIVE_OPS``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import onnxruntime

from symreg import _meta
from symreg.tools import _package

#: Kernel kinds, in the order they are tried.
ONNXRUNTIME = "onnxruntime"
CPP = "C++"
PYTHON = "Python"
FUNCTION = "local function"
#: A fallback node (``symreg.export(..., fallback="python")``): torch eager, through Python.
FALLBACK = "torch fallback"
NONE = "none"


@dataclasses.dataclass(frozen=True)
class LibraryInfo:
    """Where symreg's kernel library is and what it needs.

    Attributes:
        path: absolute path of ``libsymreg_ort.so`` (None if it is missing).
        min_ort_version: oldest onnxruntime that can load it.
        ort_version: the installed onnxruntime.
        error: why the installed onnxruntime cannot load it (None: it loads).
        ops: the custom ops (``"domain::Op"``) it registers; none when it does not load.
    """

    path: str | None
    min_ort_version: str
    ort_version: str
    error: str | None
    ops: tuple[str, ...]


def library_info() -> LibraryInfo:
    """Describes ``libsymreg_ort.so``: path, minimum ORT version, whether it loads, its ops."""
    try:
        path = _library_path()
    except FileNotFoundError as e:
        return LibraryInfo(None, _meta.MIN_ORT_VERSION, onnxruntime.__version__, str(e), ())
    error = None
    try:
        onnxruntime.SessionOptions().register_custom_ops_library(path)
    except Exception as e:  # noqa: BLE001 - ORT raises plain RuntimeError/Fail
        error = str(e).strip()
    from symreg import _kernels  # compiled from the library's list of ops (csrc/native_ops.def)

    ops = tuple(_kernels.NATIVE_OPS) if error is None else ()
    return LibraryInfo(path, _meta.MIN_ORT_VERSION, onnxruntime.__version__, error, ops)


def _library_path() -> str:
    # symreg.ort.library_path() without importing symreg.ort (it imports torch); a test
    # checks that both agree. Its error message, with the fix, when the file is missing.
    path = Path(__file__).resolve().parent.parent / "libsymreg_ort.so"
    return str(path) if path.is_file() else _package.complete().ort.library_path()


def kernel_for(op: str, version: int = 1) -> str:
    """Which runtime runs custom op ``op`` (``"domain::Op"``) at domain ``version``.

    Returns:
        ``"onnxruntime"`` (built into ORT), ``"C++"`` (``libsymreg_ort.so``),
        ``"Python"`` (a kernel registered with :func:`symreg.kernel` in this process)
        or ``"none"``. Native kernels win over Python ones, as in
        :func:`symreg.ort.InferenceSession`.
    """
    symreg = _package.complete()
    if symreg.ort.has_native_kernel(op, version, with_library=False):
        return ONNXRUNTIME
    try:
        if symreg.ort.has_native_kernel(op, version):
            return CPP
    except FileNotFoundError:  # symreg installed without its library
        pass
    return PYTHON if op in symreg.pykernels.kernels() else NONE
