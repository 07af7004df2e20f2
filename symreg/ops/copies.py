"""The ``*_copy`` variants of view ops (``alias_copy``, ``expand_copy``, ``permute_copy``, ...):
the view's result as a tensor of its own, which ONNX values always are.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
