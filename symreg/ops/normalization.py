"""Normalization: batch, group and RMS norm, including the ATen forms the exporters meet.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
