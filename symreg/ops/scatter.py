"""Writes into a copy of a tensor: ``index_add``/``index_copy``/``index_fill`` and the
``*_scatter`` ops (``diagonal_scatter``, ``select_scatter``, ``slice_scatter``).

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
