"""The op table: every entry of every family's table_<family>.py; tests/ops/test_ops.py runs them all.

What an entry is (``OpEntry``, ``Sample``, expected failures) is in tests/ops/op_entry.py.
A family's entries live beside its rules' name: symreg/ops/<family>.py has
tests/ops/table_<family>.py.
"""

from __future__ import annotations

import table_activations
import table_attention
import table_conv
import table_copies
import table_creation
import table_indexing
import table_linalg
import table_linalg_factorizations
import table_linalg_functions
import table_linalg_norms
import table_linalg_solvers
import table_losses
import table_math
import table_normalization
import table_pooling
import table_products
import table_reductions
import table_resampling
import table_scans
import table_scatter
import table_shape
import table_sorting
import table_special
import table_spectral
import table_vision
from op_entry import OpEntry

FAMILIES = {
    "activations": table_activations.ENTRIES,
    "attention": table_attention.ENTRIES,
    "conv": table_conv.ENTRIES,
    "copies": table_copies.ENTRIES,
    "creation": table_creation.ENTRIES,
    "indexing": table_indexing.ENTRIES,
    "linalg": table_linalg.ENTRIES,
    "linalg_factorizations": table_linalg_factorizations.ENTRIES,
    "linalg_functions": table_linalg_functions.ENTRIES,
    "linalg_norms": table_linalg_norms.ENTRIES,
    "linalg_solvers": table_linalg_solvers.ENTRIES,
    "losses": table_losses.ENTRIES,
    "math": table_math.ENTRIES,
    "normalization": table_normalization.ENTRIES,
    "pooling": table_pooling.ENTRIES,
    "products": table_products.ENTRIES,
    "reductions": table_reductions.ENTRIES,
    "resampling": table_resampling.ENTRIES,
    "scans": table_scans.ENTRIES,
    "scatter": table_scatter.ENTRIES,
    "shape": table_shape.ENTRIES,
    "sorting": table_sorting.ENTRIES,
    "special": table_special.ENTRIES,
    "spectral": table_spectral.ENTRIES,
    "vision": table_vision.ENTRIES,
}

TABLE: tuple[OpEntry, ...] = tuple(entry for entries in FAMILIES.values() for entry in entries)
