"""Op-table entries of symreg/ops/linalg_norms.py, in name order."""

from __future__ import annotations

import linalg_compositions
import table_linalg
import torch
from op_entry import OpEntry

ENTRIES: tuple[OpEntry, ...] = (
    *linalg_compositions.named("aten::linalg_cond", "aten::linalg_matrix_norm"),
    OpEntry(
        ("aten::linalg_norm",),
        table_linalg.SVD,
        opinfo="linalg.norm",
        fn=torch.linalg.norm,
        samples=table_linalg.norm_samples,
    ),
)
