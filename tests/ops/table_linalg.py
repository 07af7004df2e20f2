"""Op-table entries of symreg/ops/linalg.py, in name order."""

from __future__ import annotations

from op_entry import OpEntry

ENTRIES: tuple[OpEntry, ...] = ()
