"""symreg's built-in op pack: rules for ops today's exporters cannot export or get wrong.

One module per family (:mod:`symreg.ops.math`, :mod:`symreg.ops.reductions`, ...), each
with its op-table entries in tests/ops/table_<family>.py; importing symreg registers them.
"""

from symreg.ops import (  # noqa: F401
    activations,
    attention,
    conv,
    copies,
    creation,
    indexing,
    linalg,
    linalg_factorizations,
    linalg_functions,
    linalg_norms,
    linalg_solvers,
    losses,
    math,
    normalization,
    pooling,
    products,
    reductions,
    resampling,
    scans,
    scatter,
    shape,
    sorting,
    special,
    spectral,
    vision,
)
