"""Op-table entries of symreg/ops/sorting.py, in name order."""

from __future__ import annotations

from op_entry import OpEntry

ENTRIES: tuple[OpEntry, ...] = ()
