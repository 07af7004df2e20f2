"""Indexing: triangular masks, diagonals, scatter into slices, nonzero, combinations and block matrices.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
