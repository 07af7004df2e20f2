"""ONNX Runtime with symreg's custom-op kernels (domain ``symreg``) registered.

The kernels live in ``libsymreg_ort.so``, a plain shared library without a Python
dependency: C++, C#, Java or Python deployments of ORT >= 1.21 load it with their
``RegisterCustomOpsLibrary``; :func:`library_path` says where it is.

Sessions from :func:`InferenceSession` also run Python-prototyped kernels
(:func:`symreg.kernel`) for custom ops that no native kernel serves; see
:mod:`symreg.pykernels`.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import onnx
import onnxruntime

from symreg import _fallback_calls, _fallback_runtime, _meta, _pyop, pykernels

__all__ = ["MIN_ORT_VERSION", "InferenceSession", "has_native_kernel", "library_path", "session_options"]

MIN_ORT_VERSION = _meta.MIN_ORT_VERSION
"""Oldest onnxruntime that can load the library (it needs ORT's C API version 21)."""

_LIBRARY = "libsymreg_ort.so"
_registered: weakref.WeakSet = weakref.WeakSet()
_lock = threading.Lock()
_extensions: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # options -> PyOps declared when registered
_native: dict[tuple[str, str, int, bool], bool] = {}
_OP_NAME = re.compile(r"^[A-Za-z_][\w.]*::[A-Za-z_]\w*$")
_tags = itertools.count(1)


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

    Python kernels (:func:`symreg.kernel`) need :func:`InferenceSession`, which maps
    their nodes in memory; options alone cannot run them.
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

    Custom-domain nodes whose op has a Python kernel (:func:`symreg.kernel`) and no
    native one (:func:`has_native_kernel`) run that kernel: the session maps them onto
    onnxruntime-extensions' PyOps in memory; the model file is not modified. Such a
    session is an ``onnxruntime.InferenceSession`` whose ``run`` raises
    :class:`symreg.KernelError` when a Python kernel fails. Without Python
    kernels registered the model is handed to ONNX Runtime unread.

    Args:
        path_or_bytes: the model, as a file path or serialized ``ModelProto`` bytes.
        sess_options: options to use; the library is registered on them (see
            :func:`session_options`), and onnxruntime-extensions' library too when
            Python kernels run. New default options when None.
        providers: execution providers, as for onnxruntime; ``["CPUExecutionProvider"]``
            when None. symreg's kernels run on the CPU provider.
        **kwargs: passed on to ``onnxruntime.InferenceSession``.

    Returns:
        The session.

    Raises:
        ValueError: a node that a Python kernel should run does not fit it (types,
            attributes, arity), or ``sess_options`` were used for a session before
            that kernel was registered (ORT cannot add kernels to them: pass new options).
    """
    if isinstance(path_or_bytes, os.PathLike):
        path_or_bytes = os.fspath(path_or_bytes)
    options = session_options(sess_options)
    providers = list(providers) if providers is not None else ["CPUExecutionProvider"]
    mapped = _map_python_kernels(path_or_bytes, options) if pykernels.kernels() else None
    if mapped is None:
        try:
            return onnxruntime.InferenceSession(path_or_bytes, sess_options=options, providers=providers, **kwargs)
        except Exception as e:
            # Fallback nodes (symreg.export(..., fallback="python")) are found when ORT refuses them: a
            # model without them is never read here.
            if not _fallback_runtime.missing_fallback_kernel(e):
                raise
        mapped = _map_python_kernels(path_or_bytes, options)
        if mapped is None:
            raise RuntimeError("symreg.ort.InferenceSession: ONNX Runtime refused a fallback node no kernel serves")
    model, tag = mapped
    return _PythonKernelSession(model, tag, sess_options=options, providers=providers, **kwargs)


class _PythonKernelSession(onnxruntime.InferenceSession):
    """A session running Python kernels: ``run`` raises the errors they record."""

    def __init__(self, model: bytes, tag: int, **kwargs: Any) -> None:
        self._symreg_tag = tag
        super().__init__(model, **kwargs)

    def run(self, *args: Any, **kwargs: Any) -> Any:
        return self._checked(super().run, *args, **kwargs)

    def run_with_ort_values(self, *args: Any, **kwargs: Any) -> Any:
        return self._checked(super().run_with_ort_values, *args, **kwargs)

    def _checked(self, run: Any, *args: Any, **kwargs: Any) -> Any:
        # A failing kernel returns empty outputs (an exception would abort the process);
        # what it raised is reported here, also when ORT then fails on those outputs.
        try:
            result = run(*args, **kwargs)
        except Exception as e:
            _pyop.raise_pending(self._symreg_tag, e)
            raise
        _pyop.raise_pending(self._symreg_tag)
        return result


def _map_python_kernels(path_or_bytes: str | bytes, options: onnxruntime.SessionOptions) -> tuple[bytes, int] | None:
    """The model with Python-kernel nodes mapped onto PyOps, or None when none need one."""
    if isinstance(path_or_bytes, bytes):
        model = onnx.ModelProto.FromString(path_or_bytes)
    else:
        model = onnx.load(path_or_bytes, load_external_data=False)
    registered = pykernels.kernels()
    wanted = _pyop.wanted(model, set(registered))
    python_ops = {name for name, version in wanted.items() if not has_native_kernel(name, version)}
    fallback = _fallback_runtime.has_fallback_nodes(model)
    if not python_ops and not fallback:
        return None
    if not isinstance(path_or_bytes, bytes):
        model = onnx.load(path_or_bytes)  # with external data: the bytes handed to ORT must hold it
    tag = next(_tags)
    if fallback:
        _fallback_calls.declare_schemas_of(model)  # shape inference then types the nodes' outputs
    used = _pyop.map_model(
        model,
        {name: registered[name] for name in python_ops},
        tag,
        per_node=_fallback_runtime.kernel_for if fallback else None,
    )
    with _lock:
        if options not in _extensions:
            options.register_custom_ops_library(_pyop.extensions().get_library_path())
            _extensions[options] = _pyop.declared()
        declared = _extensions[options]
    late = [p for p in used if p.index >= declared]
    if late:
        raise ValueError(
            f"symreg.ort.InferenceSession: these session options served a session before the Python "
            f"kernel of {sorted(python_ops) or 'a fallback node'} (or its type variant) was registered, and ONNX "
            "Runtime cannot add kernels to them; pass new options (e.g. symreg.ort.session_options())"
        )
    return model.SerializeToString(), tag


def has_native_kernel(name: str, version: int = 1, *, with_library: bool = True) -> bool:
    """Whether ONNX Runtime, with ``libsymreg_ort.so`` loaded, has a kernel for custom op ``name``.

    ``name`` is ``"domain::Op"`` (ORT's own dotted domains such as ``com.microsoft`` too),
    ``version`` the domain's opset version; ``with_library=False`` asks about ORT's own
    kernels alone. Answered by creating a session for a one-node model and cached: the
    runtime itself says what it registers, so no list can fall out of date. Only ORT's
    "is not a registered function/op" counts as no kernel; any other answer (the probe
    node has no inputs, so a real op rejects it) means one exists, so a Python kernel
    never shadows a native one.
    """
    if not isinstance(name, str) or not _OP_NAME.match(name):
        raise ValueError(
            f'symreg.ort.has_native_kernel({name!r}): name must be "namespace::op", e.g. '
            '"symreg::Erfinv" or "com.microsoft::Gelu"'
        )
    domain, op_type = name.split("::")
    key = (domain, op_type, int(version), with_library)
    with _lock:
        if key in _native:
            return _native[key]
    helper = onnx.helper
    graph = helper.make_graph(
        [helper.make_node(op_type, [], ["y"], domain=domain)],
        "symreg_probe",
        [],
        [helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, None)],
    )
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid(domain, int(version))]
    probe = helper.make_model(graph, opset_imports=opsets, ir_version=10).SerializeToString()
    options = session_options() if with_library else onnxruntime.SessionOptions()
    options.log_severity_level = 4  # the probe's expected failure is not worth a log line
    try:
        onnxruntime.InferenceSession(probe, sess_options=options, providers=["CPUExecutionProvider"])
        found = True
    except Exception as e:  # noqa: BLE001 - every ORT failure but one means "the op is known"
        found = "is not a registered function/op" not in str(e)
    with _lock:
        _native[key] = found
    return found
