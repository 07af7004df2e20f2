"""``symreg.doctor``: every op of a model that cannot be exported at an opset, by each exporter, in one go.

The TorchScript exporter stops at the first op it cannot convert. The doctor exports the model with
``fallback="python"`` instead (:mod:`symreg._fallback_calls`), under the TorchScript exporter and the
dynamo one, so that every refused call is recorded with its op, overload and module path, and the export
goes on to the next. For each refused op it says what would handle it: the TorchScript exporter at a
higher opset (checked by exporting there), the dynamo exporter, symreg's rule and its lowerings, or the
fallback (which runs the op in torch eager: prototyping only). Ops that export but are known to give
wrong results at that opset (the op table's expected failures, :mod:`symreg._known_failures`) are listed
too. The report ends with the exporter to pick for this model and opset.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import io
import json
import logging
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import torch

from symreg import _fallback_calls, _known_failures, _table, _torch_compat
from symreg.export import run_export
from symreg.registry import REGISTRY, op_of

__all__ = ["DoctorReport", "ExporterView", "KnownIssue", "Refused", "doctor"]

EXPORTERS = ("torchscript", "dynamo")
#: The dynamo exporter builds its graph at this opset at least (then converts down).
_DYNAMO_BUILD_OPSET = 18


@dataclasses.dataclass(frozen=True)
class Refused:
    """An op (one overload) that an exporter refused, with where it occurs and what would handle it."""

    op: str  # "aten::ctc_loss"
    overload: str  # "Tensor"; "default" for the default overload
    count: int  # calls in the model
    modules: tuple[str, ...]  # module paths of the calls, distinct, in order ("" is the model itself)
    reason: str  # the exporter's error for the first call
    fixes: tuple[str, ...]  # what would export it, most useful first

    @property
    def name(self) -> str:
        return self.op if self.overload == "default" else f"{self.op}.{self.overload}"


@dataclasses.dataclass(frozen=True)
class KnownIssue:
    """An op of the model that exports but is known to fail in some cases at this opset (the op table's xfail)."""

    op: str
    count: int
    when: str  # "float64", "some inputs", "lowering 'custom'", "always"
    reason: str


@dataclasses.dataclass(frozen=True)
class ExporterView:
    """What one exporter makes of the model at the opset."""

    exporter: str  # "torchscript" or "dynamo"
    opset: int
    refused: tuple[Refused, ...]
    known_issues: tuple[KnownIssue, ...]
    ops: int  # op calls converted (refused ones included)
    error: str | None = None  # why the export stopped before every op was seen (tracing, torch.export, ...)
    exports_at: int | None = None  # TorchScript: a higher opset at which every op exports (checked)

    @property
    def exports(self) -> bool:
        """Whether this exporter exports every op of the model at this opset."""
        return self.error is None and not self.refused

    @property
    def call(self) -> str:
        dynamo = ", dynamo=True" if self.exporter == "dynamo" else ""
        return f"symreg.export(model, args, opset_version={self.opset}{dynamo})"


@dataclasses.dataclass(frozen=True)
class DoctorReport:
    """What :func:`doctor` found: one :class:`ExporterView` per exporter and the advice."""

    model: str
    opset: int
    views: tuple[ExporterView, ...]
    advice: str

    @property
    def ok(self) -> bool:
        """Whether some exporter exports every op of the model at this opset."""
        return any(view.exports for view in self.views)

    def view(self, exporter: str) -> ExporterView:
        return next(v for v in self.views if v.exporter == exporter)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "opset": self.opset, "ok": self.ok, "advice": self.advice,
                "views": [dataclasses.asdict(v) | {"exports": v.exports} for v in self.views]}  # fmt: skip

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def to_markdown(self) -> str:
        """The report as Markdown, for a bug report."""
        lines = [f"## symreg doctor: `{self.model}` at opset {self.opset}", ""]
        for view in self.views:
            lines += [f"### {_title(view)}", ""]
            if view.error:
                lines += [f"Export stopped: {view.error}", ""]
            if view.refused:
                lines += ["| op | calls | where | exporter's error | what would export it |", "|---|---:|---|---|---|"]
                lines += [
                    f"| `{r.name}` | {r.count} | {_where(r.modules)} | {_md(r.reason)} | {_md('; '.join(r.fixes))} |"
                    for r in view.refused
                ]
                lines.append("")
            if view.known_issues:
                lines += ["Known issues of ops that export:", "", "| op | calls | when | why |", "|---|---:|---|---|"]
                lines += [f"| `{k.op}` | {k.count} | {k.when} | {_md(k.reason)} |" for k in view.known_issues]
                lines.append("")
        lines += [f"**Advice:** {self.advice}", ""]
        lines.append(
            "_Fallback nodes (`fallback='python'`) run ops in torch eager: such a model needs Python and torch._"
        )
        return "\n".join(lines)

    def render(self, *, styled: bool | None = None) -> str:
        """The report as tables (``rich`` on a terminal when ``styled`` is None)."""
        styled = _table.is_terminal() if styled is None else styled
        parts = []
        for view in self.views:
            title = _title(view)
            if view.refused:
                rows = [[r.name, r.count, _where(r.modules), r.reason, "; ".join(r.fixes)] for r in view.refused]
                columns = ["op", "calls", "where", "exporter's error", "what would export it"]
                parts.append(_table.render(title, columns, rows, styled=styled))
            else:
                parts.append(f"{title}\n" + (f"  export stopped: {view.error}" if view.error else "  every op exports"))
            if view.error and view.refused:
                parts.append(f"  export stopped: {view.error}")
            if view.known_issues:
                rows = [[k.op, k.count, k.when, k.reason] for k in view.known_issues]
                parts.append(_table.render("  known issues of ops that export", ["op", "calls", "when", "why"], rows,
                                           styled=styled))  # fmt: skip
        parts.append(f"Advice: {self.advice}")
        return "\n\n".join(parts)

    def __str__(self) -> str:
        return self.render(styled=False)


def doctor(
    model: torch.nn.Module,
    args: tuple[Any, ...] | Any,
    *,
    opset_version: int = 17,
    exporters: Sequence[str] = EXPORTERS,
    lowerings: Mapping[str, str] | None = None,
    **export_kwargs: Any,
) -> DoctorReport:
    """Lists every op of ``model`` that cannot be exported at ``opset_version``, by each exporter.

    Each exporter exports the model once with ``fallback="python"``, so every refused call is
    recorded and the export goes on; nothing is written. ``export_kwargs`` go to
    :func:`symreg.export` (``dynamic_axes`` for TorchScript, ``dynamic_shapes`` for dynamo: each
    is passed to its exporter only). Calls of the model run as in an export (tracing).

    Returns:
        A :class:`DoctorReport`: per exporter the refused ops (count, module paths, the
        exporter's error, what would export each), the known issues of the ops that export,
        and the advice; ``print(report)`` shows it, ``to_markdown()`` and ``to_json()`` too.
    """
    if not isinstance(args, tuple):
        args = (args,)
    unknown = [e for e in exporters if e not in EXPORTERS]
    if unknown or not exporters:
        raise ValueError(f"symreg.doctor: exporters are {', '.join(map(repr, EXPORTERS))}, got {list(exporters)}")
    views = [_view(model, args, e, int(opset_version), lowerings, export_kwargs) for e in EXPORTERS if e in exporters]
    views = [_with_fixes(view, views) for view in views]
    name = type(model).__name__
    return DoctorReport(name, int(opset_version), tuple(views), _advice(views))


# --- one exporter ---------------------------------------------------------------------------


def _view(model, args, exporter: str, opset: int, lowerings, export_kwargs) -> ExporterView:
    refusals, seen, error = _export(model, args, exporter, opset, lowerings, export_kwargs)
    refused = _group(refusals)
    known = _known(seen, refusals, exporter, opset, _dtypes(model, args))
    view = ExporterView(exporter, opset, refused, known, sum(seen.values()), error)
    if exporter == "torchscript" and refused and error is None:
        view = dataclasses.replace(
            view, exports_at=_higher_opset(model, args, opset, refused, lowerings, export_kwargs)
        )
    return view


def _export(model, args, exporter: str, opset: int, lowerings, export_kwargs):
    dynamo = exporter == "dynamo"
    own = {"dynamic_shapes"} if dynamo else {"dynamic_axes", "input_names", "output_names", "custom_opsets"}
    other = {"dynamic_axes", "custom_opsets"} if dynamo else {"dynamic_shapes"}
    kwargs = {k: v for k, v in export_kwargs.items() if k in own or k not in other}
    if dynamo:
        kwargs.setdefault("verbose", False)
    refusals: list[_fallback_calls.Refusal] = []
    seen: collections.Counter = collections.Counter()
    error = None
    with warnings.catch_warnings(), _quiet_torch_onnx():
        warnings.simplefilter("ignore")
        try:
            result = run_export(model, args, None if dynamo else io.BytesIO(), opset, dynamo, lowerings, "python",
                                refusals, seen, kwargs)  # fmt: skip
        except Exception as e:  # noqa: BLE001 - any failure is part of the diagnosis
            return refusals, seen, _first_line(e)
    if dynamo:
        built = result.model.opset_imports.get("")
        if built != opset:
            # torch keeps the model at its build opset when onnx's version converter fails.
            error = f"the dynamo exporter built the model at opset {built} and could not convert it down to {opset}"
    return refusals, seen, error


@contextlib.contextmanager
def _quiet_torch_onnx() -> Iterator[None]:
    """torch's exporters and onnxscript log progress and advice (opset conversions): the report says what matters."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "onnxscript")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def _group(refusals: Sequence[_fallback_calls.Refusal]) -> tuple[Refused, ...]:
    groups: dict[tuple[str, str], list[_fallback_calls.Refusal]] = {}
    for r in refusals:
        groups.setdefault((r.op, r.overload), []).append(r)
    return tuple(
        Refused(op, overload, len(calls), tuple(dict.fromkeys(c.scope for c in calls)), calls[0].reason, ())
        for (op, overload), calls in groups.items()
    )


def _higher_opset(model, args, opset: int, refused, lowerings, export_kwargs) -> int | None:
    """The lowest opset above ``opset`` with a newer TorchScript symbolic (or symreg rule) for every refused op,
    if the model then exports with no refusal (checked by exporting there)."""
    needed = [_newer_symbolic(r.op, opset) for r in refused]
    if None in needed:
        return None
    target = max(needed)
    refusals, _, error = _export(model, args, "torchscript", target, lowerings, export_kwargs)
    return target if error is None and not refusals else None


def _newer_symbolic(op: str, opset: int) -> int | None:
    """The first opset above ``opset`` whose TorchScript symbolic or symreg rule for ``op`` differs from
    ``opset``'s (and exists), or None."""

    def at(version: int) -> tuple[Any, Any]:
        return REGISTRY.lookup(op, version, "torchscript"), _torch_compat.builtin_symbolic(op, version)

    base = at(opset)
    for version in range(opset + 1, _torch_compat.torchscript_max_opset() + 1):
        now = at(version)
        if now != base and any(x is not None for x in now):
            return version
    return None


def _dtypes(model: torch.nn.Module, args: tuple) -> set[str]:
    """The float dtypes of the model's parameters, buffers and tensor arguments ("float32", ...)."""
    tensors = [*model.parameters(), *model.buffers(), *(a for a in args if isinstance(a, torch.Tensor))]
    return {str(t.dtype).removeprefix("torch.") for t in tensors if t.is_floating_point()}


def _known(seen: collections.Counter, refusals, exporter: str, opset: int, dtypes: set[str]) -> tuple[KnownIssue, ...]:
    """The op table's expected failures of the ops in ``seen``, at this exporter and opset; one with a float dtype
    condition only when the model has tensors of that dtype."""
    refused = {r.op for r in refusals}
    tested = [o for o in _known_failures.TESTED_OPSETS.get(exporter, []) if o <= opset]
    nearest = max(tested) if tested else _DYNAMO_BUILD_OPSET if exporter == "dynamo" else None
    found = []
    for op_name, fail_exporter, fail_opset, dtype, lowering, some, reason in _known_failures.KNOWN_FAILURES:
        op = op_name.split(".")[0]
        if op not in seen or op in refused or fail_exporter not in (None, exporter):
            continue
        if fail_opset is not None and fail_opset != nearest:
            continue
        if dtype is not None and dtype.startswith(("float", "bfloat")) and dtype not in dtypes:
            continue
        when = ", ".join(
            w for w in (dtype, f"lowering {lowering!r}" if lowering else None, "some inputs" if some else None) if w
        )
        found.append(KnownIssue(op_name, seen[op], when or "always", reason))
    return tuple(dict.fromkeys(found))


# --- across exporters -------------------------------------------------------------------------


def _with_fixes(view: ExporterView, views: Sequence[ExporterView]) -> ExporterView:
    others = [v for v in views if v is not view]
    refused = []
    for r in view.refused:
        fixes = []
        if view.exporter == "torchscript":
            higher = _newer_symbolic(r.op, view.opset)
            if higher is not None:
                fixes.append(f"TorchScript at opset {higher}")
        for other in others:
            if other.error is None and r.op not in {o.op for o in other.refused}:
                fixes.append("dynamo=True" if other.exporter == "dynamo" else "dynamo=False (TorchScript)")
        rules = sorted({n for n in REGISTRY.names() if op_of(n) == r.op})
        if rules:
            low = REGISTRY.lowerings(rules[0])
            choice = f", lowerings {', '.join(low)}" if low else ""
            fixes.append(f"symreg has a rule ({', '.join(rules)}{choice}) that refused this call")
        else:
            fixes.append(f"a rule: @symreg.op({r.op!r}, opset=...)")
        fixes.append("fallback='python' to run it now (needs Python and torch at run time)")
        refused.append(dataclasses.replace(r, fixes=tuple(fixes)))
    return dataclasses.replace(view, refused=tuple(refused))


def _advice(views: Sequence[ExporterView]) -> str:
    clean = [v for v in views if v.exports]
    if clean:
        best = min(clean, key=lambda v: (len(v.known_issues), EXPORTERS.index(v.exporter)))
        issues = f"; check its {len(best.known_issues)} known issue(s) above" if best.known_issues else ""
        return f"every op exports with {_name(best)}: {best.call}{issues}"
    higher = [v for v in views if v.exports_at is not None]
    if higher:
        at = higher[0].exports_at
        return f"every op exports with TorchScript at opset {at}: symreg.export(model, args, opset_version={at})"
    usable = [v for v in views if v.error is None] or list(views)
    best = min(usable, key=lambda v: (v.error is not None, len(v.refused), EXPORTERS.index(v.exporter)))
    if best.error is not None:
        return f"neither exporter gets through the model: {best.error}"
    ops = ", ".join(r.name for r in best.refused)
    return (
        f"{_name(best)} refuses the fewest ops ({len(best.refused)}: {ops}): write a rule for each "
        f"(@symreg.op), or run the model now with {best.call[:-1]}, fallback='python')"
    )


# --- formatting -------------------------------------------------------------------------------


def _name(view: ExporterView) -> str:
    return "TorchScript" if view.exporter == "torchscript" else "dynamo"


def _title(view: ExporterView) -> str:
    if view.error is not None:
        state = "export fails" + (f", {len(view.refused)} op(s) refused before" if view.refused else "")
    else:
        state = "exports every op" if view.exports else f"{len(view.refused)} op(s) refused"
    return f"{_name(view)} at opset {view.opset}: {state} ({view.ops} op calls)"


def _where(modules: Sequence[str]) -> str:
    shown = [m or "(model)" for m in modules[:3]]
    return ", ".join(shown) + (f" and {len(modules) - 3} more" if len(modules) > 3 else "")


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _first_line(error: BaseException) -> str:
    """The error's first line, and its root cause's when the exporter wrapped one (torch.export's failures)."""
    text = _fallback_calls.error_line(error, 200)
    root, seen = error, {id(error)}
    while (root.__cause__ or root.__context__) is not None and id(root.__cause__ or root.__context__) not in seen:
        root = root.__cause__ or root.__context__
        seen.add(id(root))
    return text if root is error else f"{text} (caused by {_fallback_calls.error_line(root, 200)})"
