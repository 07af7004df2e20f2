"""Op-table entries of symreg/ops/linalg_norms.py, in name order."""

from __future__ import annotations

import linalg_compositions
import linalg_factorizations
import table_linalg
import torch
from op_entry import OpEntry


def _named(*names: str) -> tuple[OpEntry, ...]:
    """The entries (of linalg_factorizations.py and linalg_compositions.py) whose first name is one of ``names``."""
    pool = (*linalg_factorizations.ENTRIES, *linalg_compositions.ENTRIES)
    return tuple(e for e in pool if e.names[0] in names)


ENTRIES: tuple[OpEntry, ...] = (
    *_named("aten::linalg_cond", "aten::linalg_matrix_norm"),
    OpEntry(
        ("aten::linalg_norm",),
        table_linalg.SVD,
        opinfo="linalg.norm",
        fn=torch.linalg.norm,
        samples=table_linalg.norm_samples,
    ),
)
