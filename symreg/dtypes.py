"""The one dtype table: torch dtype, ONNX ``TensorProto`` element type, schema type string, NumPy dtype.

Every module that translates between these spellings asks this table; rules never
write ``Cast(to=1)``::

    from symreg import dtypes
    g.op("Cast", x, to=dtypes.onnx_type(torch.float32))   # or symreg.ops._helpers.cast

Each lookup takes any of the four spellings (a ``torch.dtype``, an ONNX enum ``int``,
a schema string such as ``"float"`` or ``"tensor(float)"``, a NumPy dtype) and raises
``KeyError`` naming the value for one the table lacks.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any

import numpy as np
import onnx
import torch

__all__ = ["TABLE", "DType", "argument_dtype", "lookup", "numpy_dtype", "onnx_type", "schema_type", "torch_dtype"]


@dataclasses.dataclass(frozen=True)
class DType:
    """One element type in each spelling (``numpy`` is None where NumPy has none)."""

    torch: torch.dtype
    onnx: int
    schema: str  # as in an ONNX type constraint: "float" for tensor(float)
    numpy: np.dtype | None
    scalar_type: str  # the TorchScript exporter's name: Value.type().scalarType()


TABLE: tuple[DType, ...] = (
    DType(torch.float32, onnx.TensorProto.FLOAT, "float", np.dtype(np.float32), "Float"),
    DType(torch.float64, onnx.TensorProto.DOUBLE, "double", np.dtype(np.float64), "Double"),
    DType(torch.float16, onnx.TensorProto.FLOAT16, "float16", np.dtype(np.float16), "Half"),
    DType(torch.bfloat16, onnx.TensorProto.BFLOAT16, "bfloat16", None, "BFloat16"),
    DType(torch.int8, onnx.TensorProto.INT8, "int8", np.dtype(np.int8), "Char"),
    DType(torch.int16, onnx.TensorProto.INT16, "int16", np.dtype(np.int16), "Short"),
    DType(torch.int32, onnx.TensorProto.INT32, "int32", np.dtype(np.int32), "Int"),
    DType(torch.int64, onnx.TensorProto.INT64, "int64", np.dtype(np.int64), "Long"),
    DType(torch.uint8, onnx.TensorProto.UINT8, "uint8", np.dtype(np.uint8), "Byte"),
    DType(torch.uint16, onnx.TensorProto.UINT16, "uint16", np.dtype(np.uint16), "UInt16"),
    DType(torch.uint32, onnx.TensorProto.UINT32, "uint32", np.dtype(np.uint32), "UInt32"),
    DType(torch.uint64, onnx.TensorProto.UINT64, "uint64", np.dtype(np.uint64), "UInt64"),
    DType(torch.bool, onnx.TensorProto.BOOL, "bool", np.dtype(np.bool_), "Bool"),
    DType(torch.complex64, onnx.TensorProto.COMPLEX64, "complex64", np.dtype(np.complex64), "ComplexFloat"),
    DType(torch.complex128, onnx.TensorProto.COMPLEX128, "complex128", np.dtype(np.complex128), "ComplexDouble"),
)

#: Schema strings with no torch dtype (``symreg.schema`` accepts them too).
SCHEMA_ONLY = ("string",)

_BY_KEY: dict[Any, DType] = {}
for _entry in TABLE:
    _BY_KEY[_entry.torch] = _entry
    _BY_KEY[("onnx", _entry.onnx)] = _entry
    _BY_KEY[("schema", _entry.schema)] = _entry
    _BY_KEY[("scalar_type", _entry.scalar_type)] = _entry
    if _entry.numpy is not None:
        _BY_KEY[("numpy", _entry.numpy)] = _entry


def lookup(dtype: Any) -> DType:
    """The table's row for ``dtype`` in any spelling; ``KeyError`` if it has none."""
    if isinstance(dtype, DType):
        return dtype
    if isinstance(dtype, torch.dtype):
        key: Any = dtype
    elif isinstance(dtype, bool):
        key = None
    elif isinstance(dtype, int):
        key = ("onnx", dtype)
    elif isinstance(dtype, str):
        text = dtype[len("tensor(") : -1] if dtype.startswith("tensor(") and dtype.endswith(")") else dtype
        key = ("schema", text)
    else:
        try:
            key = ("numpy", np.dtype(dtype))
        except TypeError:
            key = None
    row = _BY_KEY.get(key)
    if row is None:
        raise KeyError(f"symreg.dtypes: no element type {dtype!r} in the dtype table")
    return row


def onnx_type(dtype: Any) -> int:
    """ONNX ``TensorProto`` element type (``Cast``'s ``to``) of ``dtype``."""
    return lookup(dtype).onnx


def torch_dtype(dtype: Any) -> torch.dtype:
    """``torch.dtype`` of ``dtype``."""
    return lookup(dtype).torch


def schema_type(dtype: Any) -> str:
    """Schema element type string (``"float"``) of ``dtype``."""
    return lookup(dtype).schema


def numpy_dtype(dtype: Any) -> np.dtype:
    """NumPy dtype of ``dtype``; ``KeyError`` for types NumPy lacks (bfloat16)."""
    row = lookup(dtype)
    if row.numpy is None:
        raise KeyError(f"symreg.dtypes: {dtype!r} has no NumPy dtype")
    return row.numpy


def scalar_type(name: str) -> torch.dtype | None:
    """torch dtype of a TorchScript ``scalarType()`` name ("Float"), or None if unknown."""
    row = _BY_KEY.get(("scalar_type", name))
    return None if row is None else row.torch


#: c10's ``ScalarType`` enum: what a ``ScalarType`` argument is under the TorchScript exporter
#: (not ONNX's numbering: 6 is float32 here, int32 there).
_C10_SCALAR_TYPES: dict[int, torch.dtype] = {
    0: torch.uint8,
    1: torch.int8,
    2: torch.int16,
    3: torch.int32,
    4: torch.int64,
    5: torch.float16,
    6: torch.float32,
    7: torch.float64,
    9: torch.complex64,
    10: torch.complex128,
    11: torch.bool,
    15: torch.bfloat16,
}


def argument_dtype(value: Any) -> torch.dtype | None:
    """The torch dtype of an op's ``ScalarType`` argument (``sum(..., dtype=)``, ``arange``, ...), None for None.

    Rules see c10's enum int under the TorchScript exporter, and under dynamo a ``torch.dtype``
    or, where torch's exporter converted it, an ``onnx_ir.DataType`` (an ``IntEnum`` in ONNX's
    numbering: FLOAT is 1, c10's int8); this reads all three. ``ValueError`` for an int that is
    no ``ScalarType`` symreg knows.
    """
    if value is None or isinstance(value, torch.dtype):
        return value
    if isinstance(value, enum.Enum):
        return torch_dtype(int(value))
    if isinstance(value, int) and not isinstance(value, bool) and value in _C10_SCALAR_TYPES:
        return _C10_SCALAR_TYPES[value]
    raise ValueError(f"symreg.dtypes: {value!r} is no torch ScalarType symreg knows")
