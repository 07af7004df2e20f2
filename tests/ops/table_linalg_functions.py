"""Op-table entries of symreg/ops/linalg_functions.py, in name order."""

from __future__ import annotations

import linalg_compositions
import linalg_factorizations
import table_linalg
from op_entry import OpEntry


def _named(*names: str) -> tuple[OpEntry, ...]:
    """The entries (of linalg_factorizations.py and linalg_compositions.py) whose first name is one of ``names``."""
    pool = (*linalg_factorizations.ENTRIES, *linalg_compositions.ENTRIES)
    return tuple(e for e in pool if e.names[0] in names)


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::linalg_matrix_power", "aten::matrix_power"),
        table_linalg.POWERS_OF_INVERSE,
        opinfo="linalg.matrix_power",
        samples=table_linalg.matrix_power_samples,
        grow=linalg_factorizations.grow_matrix_power,
    ),
    *_named("aten::linalg_multi_dot", "aten::linalg_polar", "aten::linalg_matrix_sqrth"),
)
