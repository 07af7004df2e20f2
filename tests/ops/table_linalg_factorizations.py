"""Op-table entries of symreg/ops/linalg_factorizations.py, in name order."""

from __future__ import annotations

import linalg_compositions
import linalg_factorizations
import torch
from op_entry import OpEntry, Sample

ENTRIES: tuple[OpEntry, ...] = linalg_compositions.named(
    "aten::_lu_with_info",
    "aten::geqrf",
    "aten::linalg_cholesky",
    "aten::linalg_cholesky_ex",
    "aten::linalg_det",
    "aten::linalg_eigh",
    "aten::linalg_eigvalsh",
    "aten::linalg_householder_product",
    "aten::linalg_ldl_factor",
    "aten::linalg_ldl_factor_ex",
    "aten::linalg_ldl_solve",
    "aten::linalg_lu",
    "aten::linalg_lu_factor",
    "aten::linalg_lu_factor_ex",
    "aten::linalg_qr",
    "aten::linalg_slogdet",
    "aten::linalg_svd",
    "aten::linalg_svdvals",
    "aten::logdet",
    "aten::lu_unpack",
    "aten::ormqr",
    "aten::svd",
)

#: eig and eigvals are refused at export (complex outputs): every case fails, and must keep failing with the rule's
#: message (tests/ops/test_linalg_errors.py checks its text).
_COMPLEX = "torch.linalg.eig/eigvals return complex tensors: symreg refuses them at export, naming eigh/eigvalsh"


def _general_samples(dtype) -> list[Sample]:
    return [Sample((torch.randn(3, 3, dtype=dtype),)), Sample((torch.randn(2, 4, 4, dtype=dtype),))]


ENTRIES += (
    OpEntry(("aten::linalg_eig",), linalg_factorizations.FACTOR, fn=torch.linalg.eig, samples=_general_samples)
    .xfail(_COMPLEX),
    OpEntry(("aten::linalg_eigvals",), linalg_factorizations.FACTOR, fn=torch.linalg.eigvals, samples=_general_samples)
    .xfail(_COMPLEX),
)  # fmt: skip
