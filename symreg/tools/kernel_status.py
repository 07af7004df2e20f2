"""Which runtime can execute a custom-domain op: asked of ONNX Runtime itself.

The truth about a native kernel is whether ORT can create a session for a one-node
model of the op, first without ``libsymreg_ort.so`` (ORT's own kernels), then with it
(symreg's C++ kernels), through :func:`symreg.ort.has_native_kernel`. Python kernels
are those registered with :func:`symreg.kernel`, which symreg.ort sessions run when no
native kernel exists.
"""

from __future__ import annotations

import dataclasses

import onnxruntime

import symreg.ort

#: Kernel kinds, in the order they are tried.
ONNXRUNTIME = "onnxruntime"
CPP = "C++"
PYTHON = "Python"
FUNCTION = "local function"
NONE = "none"


@dataclasses.dataclass(frozen=True)
class LibraryInfo:
    """Where symreg's kernel library is and what it needs.

    Attributes:
        path: absolute path of ``libsymreg_ort.so`` (None if it is missing).
        min_ort_version: oldest onnxruntime that can load it.
        ort_version: the installed onnxruntime.
        error: why the installed onnxruntime cannot load it (None: it loads).
        ops: the custom ops (``"domain::Op"``) with a declared schema that it runs.
    """

    path: str | None
    min_ort_version: str
    ort_version: str
    error: str | None
    ops: tuple[str, ...]


def library_info() -> LibraryInfo:
    """Describes ``libsymreg_ort.so``: path, minimum ORT version, whether it loads, its ops."""
    from symreg import schemas

    try:
        path = symreg.ort.library_path()
    except FileNotFoundError as e:
        return LibraryInfo(None, symreg.ort.MIN_ORT_VERSION, onnxruntime.__version__, str(e), ())
    error = None
    try:
        onnxruntime.SessionOptions().register_custom_ops_library(path)
    except Exception as e:  # noqa: BLE001 - ORT raises plain RuntimeError/Fail
        error = str(e).strip()
    declared = sorted(schemas.snapshot().values(), key=lambda s: s.qualified_name)
    ops = tuple(s.qualified_name for s in declared if error is None and kernel_for(s.qualified_name, s.version) == CPP)
    return LibraryInfo(path, symreg.ort.MIN_ORT_VERSION, onnxruntime.__version__, error, ops)


def kernel_for(op: str, version: int = 1) -> str:
    """Which runtime runs custom op ``op`` (``"domain::Op"``) at domain ``version``.

    Returns:
        ``"onnxruntime"`` (built into ORT), ``"C++"`` (``libsymreg_ort.so``),
        ``"Python"`` (a kernel registered with :func:`symreg.kernel` in this process)
        or ``"none"``. Native kernels win over Python ones, as in
        :func:`symreg.ort.InferenceSession`.
    """
    from symreg import pykernels

    if symreg.ort.has_native_kernel(op, version, with_library=False):
        return ONNXRUNTIME
    try:
        if symreg.ort.has_native_kernel(op, version):
            return CPP
    except FileNotFoundError:  # symreg installed without its library
        pass
    return PYTHON if op in pykernels.kernels() else NONE
