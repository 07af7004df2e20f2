"""Rules keyed by qualified op name and minimum opset.

The highest rule whose opset is <= the export opset wins. This module knows
nothing about the exporters: they subscribe to changes (:meth:`Registry.subscribe`)
and read rules with :meth:`Registry.lookup`.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import re
from collections.abc import Callable, Iterator, Mapping

import onnx

from symreg._typing import Param

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*::[A-Za-z_][A-Za-z0-9_]*$")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One export rule: ``fn(g, *params)`` applies to ``name`` at opsets >= ``opset``."""

    name: str
    opset: int
    fn: Callable
    params: tuple[Param, ...]
    lowerings: tuple[str, ...] = ()  # the lowerings a user may force, if the rule has several


def check_name(name: object, what: str) -> str:
    """Validates a qualified op name ("namespace::op"), raising ValueError otherwise."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(
            f'{what}({name!r}): name must be "namespace::op" (letters, digits, '
            'underscores), e.g. "aten::asinh" or "mylib::fancy"'
        )
    return name


def check_opset(name: str, opset: object, what: str) -> int:
    """Validates an opset against what the installed onnx supports."""
    highest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, int) or not 1 <= opset <= highest:
        raise ValueError(
            f"{what}({name!r}): opset={opset!r} is outside what the installed onnx "
            f"{onnx.__version__} supports (1..{highest})"
        )
    return opset


class Registry:
    """Export rules by op name and opset; notifies subscribers of every change."""

    def __init__(self) -> None:
        self._rules: dict[str, dict[int, Rule]] = {}
        self._preferred: dict[str, str] = {}
        self._subscribers: list[Callable[[str], None]] = []
        self._export_preferred: contextvars.ContextVar[Mapping[str, str]] = contextvars.ContextVar(
            "symreg_export_lowerings", default={}
        )

    def subscribe(self, callback: Callable[[str], None]) -> None:
        """Calls ``callback(name)`` after the rules of ``name`` change."""
        self._subscribers.append(callback)

    def _changed(self, name: str) -> None:
        for callback in self._subscribers:
            callback(name)

    def add(self, rule: Rule, *, replace: bool = False) -> None:
        versions = self._rules.setdefault(rule.name, {})
        if rule.opset in versions and not replace:
            existing = versions[rule.opset].fn
            raise ValueError(
                f"symreg.op({rule.name!r}, opset={rule.opset}): a rule is already registered "
                f"({existing.__module__}.{existing.__qualname__}); pass replace=True to "
                "replace it, or symreg.unregister() it first"
            )
        versions[rule.opset] = rule
        self._changed(rule.name)

    def remove(self, name: str, opset: int | None = None) -> None:
        versions = self._rules.get(name)
        if not versions or (opset is not None and opset not in versions):
            where = "" if opset is None else f" at opset {opset}"
            raise KeyError(f"symreg.unregister({name!r}): no rule is registered{where}")
        if opset is None:
            versions.clear()
        else:
            del versions[opset]
        if not versions:
            del self._rules[name]
        if self._preferred.get(name) not in self.lowerings(name):
            self._preferred.pop(name, None)
        self._changed(name)

    def lookup(self, name: str, opset: int) -> Rule | None:
        """The rule for ``name`` with the highest opset <= ``opset``, if any."""
        versions = self._rules.get(name, {})
        usable = [v for v in versions if v <= opset]
        return versions[max(usable)] if usable else None

    def opsets(self, name: str) -> tuple[int, ...]:
        return tuple(sorted(self._rules.get(name, {})))

    def names(self) -> Iterator[str]:
        return iter(sorted(self._rules))

    def lowerings(self, name: str) -> tuple[str, ...]:
        """Every lowering the rules of ``name`` let a user force."""
        found = {low: None for rule in self._rules.get(name, {}).values() for low in rule.lowerings}
        return tuple(found)

    def check_lowering(self, name: str, lowering: str, what: str) -> None:
        available = self.lowerings(name)
        if lowering not in available:
            choices = ", ".join(map(repr, available)) or "none: its rules have a single lowering"
            raise ValueError(f"{what}: {name} has no lowering {lowering!r}; choose one of {choices}")

    def prefer(self, name: str, lowering: str | None) -> None:
        """Forces ``lowering`` for ``name`` in every export (None: let the rule choose)."""
        if lowering is None:
            self._preferred.pop(name, None)
            return
        self.check_lowering(name, lowering, f"symreg.set_lowering({name!r}, {lowering!r})")
        self._preferred[name] = lowering

    def preferred(self, name: str) -> str | None:
        """The lowering forced for ``name`` by the current export or globally, if any."""
        return self._export_preferred.get().get(name) or self._preferred.get(name)

    @contextlib.contextmanager
    def export_lowerings(self, lowerings: Mapping[str, str]) -> Iterator[None]:
        """Forces ``lowerings`` (op name to lowering) for the exports inside the block."""
        for name, lowering in lowerings.items():
            self.check_lowering(name, lowering, f"symreg.export(lowerings={{{name!r}: {lowering!r}}})")
        token = self._export_preferred.set(dict(lowerings))
        try:
            yield
        finally:
            self._export_preferred.reset(token)

    def snapshot(self) -> tuple[dict[str, dict[int, Rule]], dict[str, str]]:
        return {name: dict(versions) for name, versions in self._rules.items()}, dict(self._preferred)

    def restore(self, snapshot: tuple[dict[str, dict[int, Rule]], dict[str, str]]) -> None:
        rules, preferred = snapshot
        changed = set(self._rules) | set(rules)
        changed = {n for n in changed if self._rules.get(n) != rules.get(n)}
        self._rules = {name: dict(versions) for name, versions in rules.items()}
        self._preferred = dict(preferred)
        for name in sorted(changed):
            self._changed(name)


#: The process-wide registry behind ``symreg.op``.
REGISTRY = Registry()
