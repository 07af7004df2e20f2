"""The one place that touches private torch.onnx internals, behind a version check.

torch 2.14's ``unregister_custom_op_symbolic`` leaves an empty function group behind,
after which exporting the op dies with ``ValueError: min() arg is an empty sequence``
instead of torch's usual "Unsupported: ONNX export of operator" error. Restoring
torch's state needs the group removed, which only the private registry allows.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import torch

_TESTED = ((2, 14),)


def _torch_version() -> tuple[int, int]:
    major, minor = torch.__version__.split(".")[:2]
    return int(major), int(minor)


def _registry():
    try:
        from torch.onnx._internal.torchscript_exporter import registration
    except ImportError:  # older layouts
        from torch.onnx._internal import registration  # type: ignore[no-redef]
    return registration.registry


def torchscript_max_opset() -> int:
    """Highest opset the TorchScript exporter of this torch can export."""
    from torch.onnx import _constants

    return int(getattr(_constants, "ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET", _constants.ONNX_MAX_OPSET))


def custom_symbolic(name: str, opset: int) -> Callable | None:
    """The custom (user-registered) TorchScript symbolic of ``name`` at exactly ``opset``."""
    try:
        group = _registry().get_function_group(name)
        if group is None or not group._functions.overridden(opset):
            return None
        return group._functions._overrides[opset]
    except AttributeError:
        _warn_layout()
        return None


def remove_custom_symbolic(name: str, opset: int) -> None:
    """Unregisters a custom symbolic and drops the group torch leaves empty."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.unregister_custom_op_symbolic(name, opset)
    try:
        registry = _registry()
        group = registry.get_function_group(name)
        if group is not None and len(group._functions) == 0:
            del registry._registry[name]
    except AttributeError:
        _warn_layout()


def _warn_layout() -> None:
    warnings.warn(
        f"symreg: torch {torch.__version__}'s private ONNX registry changed (tested with torch "
        f"{', '.join('.'.join(map(str, v)) for v in _TESTED)}); unregistering rules may leave "
        "torch's state partly modified",
        RuntimeWarning,
        stacklevel=3,
    )
