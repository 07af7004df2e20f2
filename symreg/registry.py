"""Export rules keyed by qualified op name, minimum opset and exporter; the public rule API.

``op``, ``unregister``, ``scope``, ``set_lowering``, ``lowerings`` and ``rules`` live
here (``symreg`` re-exports them). The highest rule whose opset is <= the export
opset wins. A name is ``"namespace::op"`` (every overload) or
``"namespace::op.overload"`` (that overload only, e.g. ``"aten::div.Tensor_mode"``);
an overload's own rule wins over its op's. This module knows nothing about the
exporters: they subscribe to changes (:meth:`Registry.subscribe`) and read rules
with :meth:`Registry.lookup`.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

import onnx

from symreg._typing import Param, params_of

__all__ = [
    "EXPORTERS",
    "REGISTRY",
    "Registry",
    "Rule",
    "lowerings",
    "op",
    "rules",
    "scope",
    "set_lowering",
    "unregister",
]

#: The exporters a rule can serve: ``torch.onnx.export(dynamo=False)`` and ``dynamo=True``.
EXPORTERS = ("torchscript", "dynamo")

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_NAME = re.compile(rf"^{_IDENT}::{_IDENT}$")
_RULE_NAME = re.compile(rf"^{_IDENT}::{_IDENT}(\.{_IDENT})?$")


@dataclasses.dataclass(frozen=True)
class Rule:
    """One export rule: ``fn(g, *params)`` applies to ``name`` at opsets >= ``opset``."""

    name: str  # "aten::div" or, for one overload, "aten::div.Tensor_mode"
    opset: int
    fn: Callable
    params: tuple[Param, ...]
    lowerings: tuple[str, ...] = ()  # the lowerings a user may force, if the rule has several
    exporters: tuple[str, ...] = EXPORTERS

    @property
    def op(self) -> str:
        """The op without its overload: "aten::div"."""
        return op_of(self.name)

    @property
    def where(self) -> str:
        """``module.function`` of the rule, for error messages."""
        return f"{self.fn.__module__}.{self.fn.__qualname__}"


def op_of(name: str) -> str:
    """``"aten::div.Tensor_mode"`` -> ``"aten::div"`` (names without an overload are returned as they are)."""
    namespace, _, rest = name.partition("::")
    return f"{namespace}::{rest.partition('.')[0]}"


def check_name(name: object, what: str) -> str:
    """Validates a qualified op name ("namespace::op"), raising ValueError otherwise."""
    return _check(name, what, _NAME, '"namespace::op"', '"aten::asinh" or "mylib::fancy"')


def check_rule_name(name: object, what: str) -> str:
    """Validates a rule's op name: "namespace::op" or "namespace::op.overload"."""
    forms, examples = (
        '"namespace::op" or "namespace::op.overload"',
        '"aten::asinh", "aten::div.Tensor_mode" or "mylib::fancy"',
    )
    return _check(name, what, _RULE_NAME, forms, examples)


def _check(name: object, what: str, pattern: re.Pattern, forms: str, examples: str) -> str:
    if not isinstance(name, str) or not pattern.match(name):
        raise ValueError(f"{what}({name!r}): name must be {forms} (letters, digits, underscores), e.g. {examples}")
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


def _check_exporters(name: str, exporters: object) -> tuple[str, ...]:
    if isinstance(exporters, str) or not isinstance(exporters, Iterable):
        exporters = (exporters,)
    exporters = tuple(exporters)
    unknown = [e for e in exporters if e not in EXPORTERS]
    if not exporters or unknown:
        raise ValueError(
            f"symreg.op({name!r}): exporters={exporters!r}; choose one or more of {EXPORTERS!r}, "
            'e.g. exporters=("torchscript",) for a rule that fills a TorchScript gap only'
        )
    return tuple(e for e in EXPORTERS if e in exporters)


_Key = tuple[int, str]  # (opset, exporter)
_Snapshot = tuple[dict[str, dict[_Key, Rule]], dict[str, str]]


class Registry:
    """Export rules by op name, opset and exporter; notifies subscribers of every change."""

    def __init__(self) -> None:
        self._rules: dict[str, dict[_Key, Rule]] = {}
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
        clashes = [versions[(rule.opset, e)] for e in rule.exporters if (rule.opset, e) in versions]
        if clashes and not replace:
            raise ValueError(
                f"symreg.op({rule.name!r}, opset={rule.opset}): a rule is already registered "
                f"({clashes[0].where}, exporters {clashes[0].exporters}); pass replace=True to "
                "replace it, or symreg.unregister() it first"
            )
        for exporter in rule.exporters:
            versions[(rule.opset, exporter)] = rule
        self._changed(rule.name)

    def remove(self, name: str, opset: int | None = None) -> None:
        versions = self._rules.get(name)
        if not versions or (opset is not None and opset not in self.opsets(name)):
            where = "" if opset is None else f" at opset {opset}"
            raise KeyError(f"symreg.unregister({name!r}): no rule is registered{where}")
        for key in [k for k in versions if opset is None or k[0] == opset]:
            del versions[key]
        if not versions:
            del self._rules[name]
        if self._preferred.get(name) not in self.lowerings(name):
            self._preferred.pop(name, None)
        self._changed(name)

    def lookup(self, name: str, opset: int, exporter: str) -> Rule | None:
        """The rule of ``name`` for ``exporter`` with the highest opset <= ``opset``, if any."""
        versions = self._rules.get(name, {})
        usable = [v for v, e in versions if v <= opset and e == exporter]
        return versions[(max(usable), exporter)] if usable else None

    def lookup_overload(self, op: str, overload: str, opset: int, exporter: str) -> Rule | None:
        """The rule for one overload of ``op``: its own rule if it has one, else the op's."""
        own = self.lookup(f"{op}.{overload}", opset, exporter) if overload else None
        return own or self.lookup(op, opset, exporter)

    def opsets(self, name: str) -> tuple[int, ...]:
        return tuple(sorted({v for v, _ in self._rules.get(name, {})}))

    def exporters(self, name: str) -> tuple[str, ...]:
        """The exporters that some rule of ``name`` serves."""
        served = {e for _, e in self._rules.get(name, {})}
        return tuple(e for e in EXPORTERS if e in served)

    def names(self) -> Iterator[str]:
        return iter(sorted(self._rules))

    def rules(self, name: str) -> list[Rule]:
        """Every distinct rule of ``name``, by opset."""
        found: dict[int, Rule] = {}
        for _, rule in sorted(self._rules.get(name, {}).items(), key=lambda item: item[0]):
            found.setdefault(id(rule), rule)
        return list(found.values())

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

    def snapshot(self) -> _Snapshot:
        return {name: dict(versions) for name, versions in self._rules.items()}, dict(self._preferred)

    def restore(self, snapshot: _Snapshot) -> None:
        rules, preferred = snapshot
        changed = set(self._rules) | set(rules)
        changed = {n for n in changed if self._rules.get(n) != rules.get(n)}
        self._rules = {name: dict(versions) for name, versions in rules.items()}
        self._preferred = dict(preferred)
        for name in sorted(changed):
            self._changed(name)


#: The process-wide registry behind ``symreg.op``.
REGISTRY = Registry()


def op(
    name: str | Sequence[str],
    opset: int = 1,
    *,
    replace: bool = False,
    args: str | None = None,
    lowerings: tuple[str, ...] = (),
    exporters: Sequence[str] = EXPORTERS,
) -> Callable:
    """Registers the decorated function as the export rule of op ``name`` at opsets >= ``opset``.

    ``name`` is ``"namespace::op"`` (all of the op's overloads),
    ``"namespace::op.overload"`` (that overload only; it wins over the op's own rule),
    or a tuple of such names for ops that share a rule, e.g.
    ``("aten::erfinv", "aten::special_erfinv")``.

    The rule is called as ``fn(g, *arguments)`` with the :class:`~symreg.Builder` ``g``
    and the op's arguments in the op's order. Tensor parameters are left unannotated;
    constant parameters are annotated ``int``, ``float``, ``bool``, ``str``,
    ``list[int]``, ``list[float]`` or ``Optional[...]`` of those and arrive as plain
    Python values under both exporters. ``args`` is an alternative ``parse_args``
    style description ("v,i,f,b,s,is,fs"; a trailing "?" allows None). An omitted
    optional tensor arrives as None, a ``Tensor[]`` argument as a list of values; the
    rule of an op that returns ``Tensor[]`` returns a list of values.

    Several rules per op may exist at different opsets; the highest one <= the
    export opset wins. Registering the same (name, opset, exporter) twice raises
    ``ValueError`` unless ``replace=True``.

    ``exporters`` limits the rule to ``"torchscript"`` or ``"dynamo"`` (default both):
    a rule that fills a TorchScript gap should not replace a working dynamo lowering.

    A rule that can lower its op in several ways names them in ``lowerings``; users
    force one with :func:`set_lowering` or ``symreg.export(lowerings=...)``, and the
    rule reads the choice from ``g.lowering`` (None: its own default).

    Raises:
        ValueError: malformed ``name``, ``opset`` outside what the installed onnx
            supports, unknown ``exporters``, or a duplicate rule.
        TypeError: a rule parameter with an unsupported annotation.
    """
    names = (name,) if isinstance(name, str) else tuple(name) if isinstance(name, (list, tuple)) else (name,)
    if not names:
        raise ValueError("symreg.op(()): name the op, e.g. symreg.op('aten::asinh', opset=9)")
    for each in names:
        check_rule_name(each, "symreg.op")
        check_opset(each, opset, "symreg.op")
        if each.split("::")[0] == "onnx":
            raise ValueError(f"symreg.op({each!r}): the onnx namespace cannot take rules; use the torch op's name")
    served = _check_exporters(names[0], exporters)

    def decorate(fn: Callable) -> Callable:
        if not callable(fn):
            raise TypeError(f"symreg.op({names[0]!r}) decorates a function, got {fn!r}")
        if isinstance(lowerings, str) or not all(isinstance(x, str) and x for x in lowerings):
            raise TypeError(f"symreg.op({names[0]!r}): lowerings must be a tuple of names, got {lowerings!r}")
        new = [Rule(n, opset, fn, params_of(n, fn, args), tuple(lowerings), served) for n in names]
        before = REGISTRY.snapshot()
        try:
            for rule in new:
                REGISTRY.add(rule, replace=replace)
        except ValueError:
            REGISTRY.restore(before)  # all names or none
            raise
        return fn

    return decorate


def unregister(name: str, opset: int | None = None) -> None:
    """Removes the rule of ``name`` at ``opset`` (all of its rules when None).

    torch's own state for the op is restored: an op torch cannot export fails again
    with torch's usual unsupported-operator error. Raises ``KeyError`` if no such rule.
    """
    check_rule_name(name, "symreg.unregister")
    REGISTRY.remove(name, opset)


def set_lowering(name: str, lowering: str | None) -> None:
    """Forces ``lowering`` for op ``name`` in every later export (None: the rule's default).

    ``symreg.lowerings(name)`` lists the choices; ``symreg.export(lowerings=...)``
    overrides this for one export. Raises ``ValueError`` for an unknown lowering.
    """
    check_rule_name(name, "symreg.set_lowering")
    REGISTRY.prefer(name, lowering)


def lowerings(name: str) -> tuple[str, ...]:
    """The lowerings of op ``name`` that a user can force (empty if it has one)."""
    check_rule_name(name, "symreg.lowerings")
    return REGISTRY.lowerings(name)


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Restores the rules, forced lowerings, schemas, Python kernels and torch's registrations on exit::

    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True)(my_sinh)
        ...  # export with my_sinh
    # the previous aten::sinh rule is back
    """
    from symreg import pykernels, schemas  # they import this module

    rules_before = REGISTRY.snapshot()
    schemas_before = schemas.snapshot()
    kernels_before = pykernels.snapshot()
    try:
        yield
    finally:
        REGISTRY.restore(rules_before)
        schemas.restore(schemas_before)
        pykernels.restore(kernels_before)


def rules() -> dict[str, tuple[int, ...]]:
    """Every registered op name (aliases and overloads as names of their own) and the opsets its rules start at."""
    return {name: REGISTRY.opsets(name) for name in REGISTRY.names()}
