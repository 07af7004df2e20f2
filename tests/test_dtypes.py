"""symreg.dtypes: the one table of element types, in every spelling."""

from __future__ import annotations

import numpy as np
import onnx
import onnx_ir as ir
import pytest
import torch

from symreg import dtypes


@pytest.mark.parametrize("row", dtypes.TABLE, ids=lambda r: r.schema)
def test_every_spelling_finds_its_row(row):
    assert dtypes.lookup(row.torch) == row
    assert dtypes.lookup(row.onnx) == row
    assert dtypes.lookup(row.schema) == row
    assert dtypes.lookup(f"tensor({row.schema})") == row
    assert dtypes.scalar_type(row.scalar_type) == row.torch
    if row.numpy is not None:
        assert dtypes.lookup(row.numpy) == row


@pytest.mark.parametrize("row", dtypes.TABLE, ids=lambda r: r.schema)
def test_the_table_agrees_with_torch_onnx_and_numpy(row):
    assert onnx.TensorProto.DataType.Name(row.onnx).lower() == row.schema
    if row.numpy is not None:
        assert torch.empty(0, dtype=row.torch).numpy().dtype == row.numpy
        assert onnx.helper.tensor_dtype_to_np_dtype(row.onnx) == row.numpy


def test_cast_targets():
    assert dtypes.onnx_type(torch.float32) == onnx.TensorProto.FLOAT
    assert dtypes.onnx_type(np.float64) == onnx.TensorProto.DOUBLE
    assert dtypes.torch_dtype("int64") is torch.int64
    assert dtypes.schema_type(torch.bool) == "bool"


@pytest.mark.parametrize("bad", [torch.qint8, "floaty", 999, True, object()], ids=lambda v: repr(v).split(" at ")[0])
def test_unknown_types_are_a_key_error_naming_the_value(bad):
    with pytest.raises(KeyError, match="no element type"):
        dtypes.lookup(bad)


def test_bfloat16_has_no_numpy_dtype():
    with pytest.raises(KeyError, match="no NumPy dtype"):
        dtypes.numpy_dtype(torch.bfloat16)


def test_argument_dtype_reads_both_exporters_spellings():
    """c10's ScalarType ints (TorchScript) agree with torch's own numbering; dtypes (dynamo) pass through."""
    from torch.onnx._internal.torchscript_exporter import _type_utils

    for number, dtype in dtypes._C10_SCALAR_TYPES.items():
        assert _type_utils.JitScalarType(number).dtype() == dtype
        assert dtypes.argument_dtype(number) is dtype
    assert dtypes.argument_dtype(torch.float64) is torch.float64
    assert dtypes.argument_dtype(None) is None
    # torch's dynamo exporter passes some dtype arguments as onnx_ir.DataType, in ONNX's numbering
    assert dtypes.argument_dtype(ir.DataType.FLOAT) is torch.float32  # 1: c10's int8
    assert dtypes.argument_dtype(ir.DataType.INT64) is torch.int64  # 7: c10's float64
    with pytest.raises(ValueError, match="no torch ScalarType"):
        dtypes.argument_dtype(99)


def test_an_int_annotated_dtype_parameter_keeps_dynamos_onnx_numbering():
    """``dtype: Optional[int]`` on a rule: the typed-argument conversion keeps an onnx_ir.DataType
    (int() would turn FLOAT into 1, which argument_dtype reads as c10's int8)."""
    from symreg._typing import Param, coerce

    param = Param("dtype", int, optional=True)
    kept = coerce("aten::cumprod", param, ir.DataType.FLOAT)
    assert dtypes.argument_dtype(kept) is torch.float32
    assert dtypes.argument_dtype(coerce("aten::cumprod", param, 7)) is torch.float64  # c10's numbering
