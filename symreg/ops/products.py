"""Products and statistics: matrix-vector and outer products, tensordot, kron, distances, cov, corrcoef.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
