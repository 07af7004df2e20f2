"""Op-table entries of symreg/ops/linalg_functions.py, in name order."""

from __future__ import annotations

import linalg_compositions
import linalg_factorizations
import table_linalg
from op_entry import OpEntry

ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::linalg_matrix_power", "aten::matrix_power"),
        table_linalg.POWERS_OF_INVERSE,
        opinfo="linalg.matrix_power",
        samples=table_linalg.matrix_power_samples,
        grow=linalg_factorizations.grow_matrix_power,
    ),
    *linalg_compositions.named(
        "aten::linalg_matrix_exp", "aten::linalg_multi_dot", "aten::linalg_polar", "aten::linalg_matrix_sqrth"
    ),
)
