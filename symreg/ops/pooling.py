"""Pooling: adaptive and average pooling the exporters refuse or get wrong, max-pool backward.

Rules are in alphabetical order of their op.
"""

from __future__ import annotations
