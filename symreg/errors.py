"""Exceptions raised by symreg.

User mistakes caught when a rule or schema is declared raise ``ValueError`` or
``TypeError``; problems found while exporting a model raise ``ExportError``.
"""


class ExportError(RuntimeError):
    """A rule could not translate an op while a model was being exported."""


class ConstantArgumentError(ExportError):
    """A rule needs a Python constant for an argument but the model computes it."""


class RuleError(ExportError):
    """A rule misbehaved while exporting: it raised, or returned something other than the op's outputs."""
