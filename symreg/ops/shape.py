"""Shape ops: views and their _copy forms, permutes, splits, flips, rotations, tile and repeat.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
