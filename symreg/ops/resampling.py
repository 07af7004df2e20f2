"""Resampling: grid sampling below opset 16, antialiased resize.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
