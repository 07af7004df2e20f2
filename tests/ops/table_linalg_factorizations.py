"""Op-table entries of symreg/ops/linalg_factorizations.py, in name order."""

from __future__ import annotations

import linalg_compositions
import linalg_factorizations
from op_entry import OpEntry


def _named(*names: str) -> tuple[OpEntry, ...]:
    """The entries (of linalg_factorizations.py and linalg_compositions.py) whose first name is one of ``names``."""
    pool = (*linalg_factorizations.ENTRIES, *linalg_compositions.ENTRIES)
    return tuple(e for e in pool if e.names[0] in names)


ENTRIES: tuple[OpEntry, ...] = _named(
    "aten::_lu_with_info",
    "aten::linalg_cholesky",
    "aten::linalg_cholesky_ex",
    "aten::linalg_det",
    "aten::linalg_eigh",
    "aten::linalg_eigvalsh",
    "aten::linalg_lu",
    "aten::linalg_lu_factor",
    "aten::linalg_lu_factor_ex",
    "aten::linalg_qr",
    "aten::linalg_slogdet",
    "aten::linalg_svd",
    "aten::linalg_svdvals",
    "aten::logdet",
    "aten::lu_unpack",
    "aten::svd",
)
