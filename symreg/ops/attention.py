"""Attention: scaled dot-product attention at opsets below torch's, multi-head attention, softmax variants.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
