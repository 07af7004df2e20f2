"""Activations: celu, prelu, softplus, threshold.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
