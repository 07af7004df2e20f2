"""Losses of torch.nn.functional, with their reductions.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
