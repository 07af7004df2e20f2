"""Scans and differences: cumulative sums, diff, gradient, trapezoid integration.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
