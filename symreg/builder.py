"""The graph builder ``g`` that every rule writes against.

One interface, two adapters: :mod:`symreg._torchscript` (``torch.onnx.export(...,
dynamo=False)``) and :mod:`symreg._dynamo` (``dynamo=True``). A rule only uses what
is declared here, so the same rule code runs under both exporters.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from symreg import dtypes
from symreg.registry import REGISTRY


@dataclasses.dataclass(frozen=True)
class TensorInfo:
    """What an exporter knows about a tensor: element type and shape.

    ``dtype`` is a ``torch.dtype`` or None when unknown; ``shape`` is a tuple with
    ``None`` for dynamic dimensions, or None when even the rank is unknown.
    """

    dtype: torch.dtype | None = None
    shape: tuple[int | None, ...] | None = None

    @property
    def rank(self) -> int | None:
        return None if self.shape is None else len(self.shape)


class Builder(abc.ABC):
    """Builds ONNX nodes for one op occurrence. Rules receive it as ``g``."""

    #: ONNX opset of the graph being built; a rule's nodes must be valid at it.
    opset: int
    #: The name the rule was registered under, e.g. "torchvision::deform_conv2d" or "aten::div".
    op_name: str
    #: The overload being translated, for error messages: "aten::div.Tensor_mode" (op_name if unknown).
    overload: str

    @property
    def lowering(self) -> str | None:
        """The lowering the user forced for this op (``symreg.set_lowering`` or
        ``symreg.export(lowerings=...)``), or None to let the rule choose."""
        return REGISTRY.preferred(self.op_name)

    @abc.abstractmethod
    def op(self, op_type: str, *inputs: Any, outputs: int = 1, **attrs: Any) -> Any:
        """Adds a node and returns its output (a tuple when ``outputs > 1``).

        ``op_type`` is a standard ONNX op (``"Sinh"``) or a custom-domain op
        (``"symreg::Erfinv"``, whose schema must be declared with
        :func:`symreg.schema`). ``inputs`` are graph values or ``None`` for omitted
        optional inputs; ``attrs`` are plain Python values: int, float, str, bool,
        lists of those, or tensors (NumPy arrays / torch tensors). ``Split`` with
        ``outputs=n`` works under both exporters, with or without a ``split`` input.
        """

    @abc.abstractmethod
    def constant(self, value: Any, dtype: Any = None) -> Any:
        """Adds a constant tensor: a Python scalar or list, NumPy array or torch tensor.

        ``dtype`` (torch or NumPy dtype) overrides the value's own; Python floats
        default to float32 and ints to int64.
        """

    @abc.abstractmethod
    def info(self, value: Any) -> TensorInfo:
        """What the exporter knows about ``value``'s dtype and shape."""

    def constant_value(self, value: Any) -> Any:
        """The Python value of an argument the model passes as a constant, else None.

        A rule's tensor parameter may receive a number or list the model wrote as a
        constant (``is_causal``, a ``Scalar``): under dynamo it is already a Python
        value, under TorchScript a graph value; either way this gives the Python value
        (a one-element list as its element), or None when the graph computes it.
        """
        return value

    def dtype(self, value: Any) -> torch.dtype | None:
        """The ``torch.dtype`` of ``value``, or None when the exporter does not know."""
        return self.info(value).dtype

    def shape(self, value: Any) -> tuple[int | None, ...] | None:
        """Static shape of ``value`` (None for dynamic dims), or None if rank unknown."""
        return self.info(value).shape

    def rank(self, value: Any) -> int | None:
        """Rank of ``value``, or None when unknown."""
        return self.info(value).rank


def as_array(value: Any, dtype: Any = None) -> np.ndarray:
    """Converts a constant given to :meth:`Builder.constant` to a NumPy array."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    if dtype is not None:
        dtype = dtypes.numpy_dtype(dtype)
    if dtype is None and not isinstance(value, (np.ndarray, np.generic)):
        probe = np.asarray(value)
        if probe.dtype.kind == "f":
            dtype = np.float32
        elif probe.dtype.kind in "iu":
            dtype = np.int64
    return np.asarray(value, dtype=dtype)


def static_shape(dims: Sequence[Any]) -> tuple[int | None, ...]:
    return tuple(d if isinstance(d, int) else None for d in dims)
