"""Op-table entries of symreg/ops/special.py, in name order."""

from __future__ import annotations

from op_entry import OpEntry

ENTRIES: tuple[OpEntry, ...] = ()
