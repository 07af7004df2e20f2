"""Convolutions: transposed convolutions, fold/unfold (im2col, col2im), channel shuffle.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
