"""ONNX Runtime with symreg's custom-op kernels (domain ``symreg``) registered.

The kernels live in ``libsymreg_ort.so``, a plain shared library without a Python
dependency: C++, C#, Java or Python deployments of ORT >= 1.21 load it with their
``RegisterCustomOpsLibrary``; :func:`library_path` says where it is.
"""

from __future__ import annotations

import os
import threading
import weakref
from pathlib import Path
from typing import Any
from collections.abc import Sequence

import onnxruntime

__all__ = ["MIN_ORT_VERSION", "InferenceSession", "library_path", "session_options"]

MIN_ORT_VERSION = "1.21"
"""Oldest onnxruntime that can load the library (it needs ORT's C API version 21)."""

_LIBRARY = "libsymreg_ort.so"
_registered: weakref.WeakSet = weakref.WeakSet()
_lock = threading.Lock()


def library_path() -> str:
    """Returns the absolute path of the installed ``libsymreg_ort.so``.

    Raises:
        FileNotFoundError: symreg was installed without its compiled library.
    """
    path = Path(__file__).resolve().with_name(_LIBRARY)
    if not path.is_file():
        raise FileNotFoundError(
            f"symreg.ort.library_path(): {path} is missing; symreg was installed without its "
            "compiled kernels. Reinstall from a wheel or build it (`make install` in a checkout)."
        )
    return str(path)


def session_options(base: onnxruntime.SessionOptions | None = None) -> onnxruntime.SessionOptions:
    """Returns session options with symreg's custom-op library registered.

    Args:
        base: options to register the library on, in place; a new
            ``onnxruntime.SessionOptions`` when None. Registering on the same
            object again is a no-op (ORT refuses a domain registered twice).

    Returns:
        ``base`` itself, or the new options.
    """
    options = onnxruntime.SessionOptions() if base is None else base
    with _lock:
        if options not in _registered:
            options.register_custom_ops_library(library_path())
            _registered.add(options)
    return options


def InferenceSession(  # noqa: N802 - mirrors onnxruntime.InferenceSession
    path_or_bytes: str | os.PathLike | bytes,
    sess_options: onnxruntime.SessionOptions | None = None,
    providers: Sequence[Any] | None = None,
    **kwargs: Any,
) -> onnxruntime.InferenceSession:
    """Creates an ``onnxruntime.InferenceSession`` that can run symreg's custom ops.

    Args:
        path_or_bytes: the model, as a file path or serialized ``ModelProto`` bytes.
        sess_options: options to use; the library is registered on them (see
            :func:`session_options`). New default options when None.
        providers: execution providers, as for onnxruntime; ``["CPUExecutionProvider"]``
            when None. symreg's kernels run on the CPU provider.
        **kwargs: passed on to ``onnxruntime.InferenceSession``.

    Returns:
        The session.
    """
    if isinstance(path_or_bytes, os.PathLike):
        path_or_bytes = os.fspath(path_or_bytes)
    return onnxruntime.InferenceSession(
        path_or_bytes,
        sess_options=session_options(sess_options),
        providers=list(providers) if providers is not None else ["CPUExecutionProvider"],
        **kwargs,
    )
