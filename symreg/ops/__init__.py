"""symreg's built-in op pack: rules for ops today's exporters cannot export.

Grouped by family (:mod:`symreg.ops.math`, :mod:`symreg.ops.vision`); importing symreg
registers them.
"""

from symreg.ops import math, vision  # noqa: F401
