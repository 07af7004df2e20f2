"""Reductions: sum, mean, min/max, arg-reductions, logsumexp, norms, the masked.* reductions.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
