"""Op-table entries of symreg/ops/linalg_solvers.py, in name order."""

from __future__ import annotations

import linalg_compositions
from op_entry import OpEntry

ENTRIES: tuple[OpEntry, ...] = linalg_compositions.named(
    "aten::cholesky_inverse",
    "aten::cholesky_solve",
    "aten::linalg_inv",
    "aten::linalg_inv_ex",
    "aten::linalg_lstsq",
    "aten::linalg_lu_solve",
    "aten::linalg_matrix_rank",
    "aten::linalg_pinv",
    "aten::linalg_solve",
    "aten::linalg_solve_ex",
    "aten::linalg_solve_triangular",
    "aten::linalg_tensorinv",
    "aten::linalg_tensorsolve",
    "aten::lu_solve",
    "aten::pinverse",
    "aten::triangular_solve",
)
