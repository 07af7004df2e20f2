"""Calling a rule for one op occurrence, under either exporter, and checking what it returns.

A rule must return the op's outputs as graph values: one value for an op with one
output, a tuple or list of them for several; for a ``Tensor[]`` output a list of values,
or one value that holds a sequence. Anything else, and any exception the rule raises
that is not already an :class:`ExportError`, becomes a :class:`~symreg.errors.RuleError`
that names the op, the rule (``module.function``) and what was wrong, so that it reads at
the top of the exporter's error instead of deep in its chain (or, under dynamo, as extra
graph outputs).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from symreg.builder import Builder
from symreg.errors import ExportError, RuleError
from symreg.registry import Rule


def call_rule(
    rule: Rule,
    g: Builder,
    args: Sequence[Any],
    *,
    outputs: int | None,
    list_output: bool,
    is_value: Callable[[Any], bool],
) -> Any:
    """``rule.fn(g, *args)``, its result checked against the op's ``outputs`` (None: unknown).

    ``list_output``: the op's one output is a ``Tensor[]`` (the rule returns a list).
    ``is_value``: whether an object is a graph value of this exporter.
    """
    try:
        result = rule.fn(g, *args)
    except ExportError:
        raise
    except Exception as e:
        raise RuleError(f"{g.overload}: the rule {rule.where} raised {type(e).__name__}: {e}") from e
    return _checked(rule, g.overload, result, outputs, list_output, is_value)


def _checked(
    rule: Rule, overload: str, result: Any, outputs: int | None, list_output: bool, is_value: Callable[[Any], bool]
) -> Any:
    where = f"{overload}: the rule {rule.where}"
    fix = "return the value(s) g.op(...) gives (g.constant(...) for a constant)"
    if list_output:  # a list of values, or one value holding a sequence (``SplitToSequence``)
        _check_values(where, fix, result if isinstance(result, (list, tuple)) else [result], is_value)
        return result
    expected = 1 if outputs is None else outputs
    if isinstance(result, (list, tuple)):
        if outputs is not None and len(result) != outputs:
            raise RuleError(
                f"{where} returned {len(result)} values; the op has {_outputs(outputs)}: return "
                f"{'one value' if outputs == 1 else f'a tuple of {outputs} values'}"
            )
        _check_values(where, fix, result, is_value)
        return result[0] if expected == 1 and len(result) == 1 else result
    if expected != 1:
        raise RuleError(f"{where} returned one value; the op has {_outputs(expected)}: return a tuple of them")
    _check_values(where, fix, [result], is_value)
    return result


def _check_values(where: str, fix: str, values: Sequence[Any], is_value: Callable[[Any], bool]) -> None:
    for i, value in enumerate(values):
        if not is_value(value):
            position = f" as output {i}" if len(values) > 1 else ""
            raise RuleError(f"{where} returned {_describe(value)}{position}, not a graph value; {fix}")


def _outputs(count: int) -> str:
    return "1 output" if count == 1 else f"{count} outputs"


def _describe(value: Any) -> str:
    if value is None:
        return "None"
    text = repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{text} (a {type(value).__name__})"
