"""Per-layer divergence: where does the exported model start to differ from PyTorch?

Mark intermediate values with :func:`probe` inside ``forward`` (or let :func:`layers`
probe every leaf module's output), then::

    report = symreg.debug.layers(model, (x,), opset_version=17)
    print(report)                    # one row per probe, in execution order
    report.first_divergent           # e.g. "encoder.act2"
    report.plot("layers.png")        # max abs error per probe, log scale

Under :func:`layers`, each probe exports as an ``Identity`` node whose output is an
extra graph output named after the probe (both exporters). Outside it, :func:`probe`
returns its input and leaves no trace in exported graphs.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import onnx
import torch

from symreg import _table, _torchscript  # noqa: F401 - _torchscript mirrors the probe rule into torch
from symreg._probe_graph import MARKER_DOMAIN, MARKER_OP, expose
from symreg._typing import params_of
from symreg.registry import REGISTRY, Rule
from symreg.schemas import same_as_input, schema
from symreg.verify import (
    VerifyError,
    _as_tuple,
    _compare_row,
    _eager,
    _export_proto,
    _feeds,
    _numpy,
    _progress,
    _session,
)

__all__ = ["LayerReport", "LayerRow", "collect", "layers", "probe"]

_OP = "symreg::probe"


@dataclasses.dataclass
class _Session:
    mode: str  # "record" (eager reference run) or "export" (tracing for the ONNX graph)
    values: dict[str, torch.Tensor] = dataclasses.field(default_factory=dict)
    calls: dict[str, int] = dataclasses.field(default_factory=dict)


_ACTIVE: contextvars.ContextVar[_Session | None] = contextvars.ContextVar("symreg_debug", default=None)


@torch.library.custom_op(_OP, mutates_args=())
def _probe_op(x: torch.Tensor, name: str) -> torch.Tensor:
    return x.clone()


@_probe_op.register_fake
def _(x: torch.Tensor, name: str) -> torch.Tensor:
    return torch.empty_like(x)


schema(
    f"{MARKER_DOMAIN}::{MARKER_OP}",
    inputs=["X: T"],
    outputs=["Y: T"],
    types={"T": ["float", "double", "float16", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "bool"]},
    attrs={"name": str},
    infer=same_as_input(0),
    doc="symreg.debug.probe marker; rewritten to Identity plus a graph output before the model is used.",
)


def _probe_rule(g, x, name: str):
    return g.op(f"{MARKER_DOMAIN}::{MARKER_OP}", x, name=name)


REGISTRY.add(Rule(_OP, 1, _probe_rule, params_of(_OP, _probe_rule, None), ()), replace=True)


def probe(tensor: torch.Tensor, name: str) -> torch.Tensor:
    """Marks ``tensor`` as the intermediate value ``name`` for per-layer debugging.

    Call it in ``forward`` and use its result: ``x = probe(self.conv(x), "conv")``.
    Outside :func:`layers` and :func:`collect` it returns ``tensor`` itself and adds
    nothing to exported graphs. Under :func:`collect` it records a copy of the value;
    while :func:`layers` exports, it becomes an ``Identity`` node whose output is an
    extra graph output named ``name``.

    Args:
        tensor: any tensor, of any shape and dtype.
        name: a unique, non-empty name for the value.

    Returns:
        ``tensor`` (a copy of it while exporting under :func:`layers`).

    Raises:
        TypeError: ``tensor`` is not a tensor or ``name`` not a string.
        ValueError: ``name`` is empty or already used in this forward pass.
    """
    if not isinstance(name, str) or not name:
        raise (TypeError if not isinstance(name, str) else ValueError)(
            f"symreg.debug.probe: name must be a non-empty str, got {name!r}"
        )
    if not isinstance(tensor, torch.Tensor):
        raise TypeError(f"symreg.debug.probe({name!r}): expected a torch.Tensor, got {type(tensor).__name__}")
    session = _ACTIVE.get()
    if session is None:
        return tensor
    if session.mode == "export":
        return _probe_op(tensor, name)
    if name in session.values:
        raise ValueError(
            f"symreg.debug.probe: probe name {name!r} is used twice in one forward pass; give each probe "
            "its own name (a module called several times needs one name per call)"
        )
    session.values[name] = tensor.detach().clone()
    return tensor


@contextlib.contextmanager
def collect() -> Iterator[dict[str, torch.Tensor]]:
    """Records every :func:`probe` value computed inside the block (eager PyTorch).

    Yields:
        A dict filled in execution order: probe name to a detached copy of its tensor.
    """
    session = _Session("record")
    token = _ACTIVE.set(session)
    try:
        yield session.values
    finally:
        _ACTIVE.reset(token)


@dataclasses.dataclass(frozen=True)
class LayerRow:
    """One probe: ONNX Runtime against eager PyTorch.

    ``index`` is the probe's position in execution order; ``max_abs``/``max_rel`` as in
    :class:`symreg.verify.VerifyRow`. ``passed`` is None when the probe is not in the
    exported graph (its value was unused and removed), so it was not compared.
    """

    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    max_abs: float | None
    max_rel: float | None
    passed: bool | None
    note: str = ""


@dataclasses.dataclass
class LayerReport:
    """What :func:`layers` found: one :class:`LayerRow` per probe, in execution order.

    Iterating yields the rows; ``print(report)`` shows them as a table; ``model`` is the
    exported model with the probes as extra outputs.
    """

    rows: list[LayerRow]
    model: onnx.ModelProto
    rtol: float
    atol: float

    @property
    def first_divergent(self) -> str | None:
        """Name of the first probe (in execution order) that exceeds the tolerance, or None."""
        return next((r.name for r in self.rows if r.passed is False), None)

    @property
    def passed(self) -> bool:
        """True when no probe diverged."""
        return self.first_divergent is None

    def __iter__(self) -> Iterator[LayerRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, name: str) -> LayerRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"no probe named {name!r}; probes: {', '.join(r.name for r in self.rows)}")

    def raise_if_failed(self) -> None:
        """Raises ``AssertionError`` naming the first divergent probe, if any."""
        first = self.first_divergent
        if first is not None:
            row = self[first]
            raise AssertionError(
                f"symreg.debug.layers: probe {first!r} (#{row.index}) is the first to diverge: max abs "
                f"{row.max_abs:.3g}, max rel {row.max_rel:.3g} > atol {self.atol:g} + rtol {self.rtol:g}"
                f"{'; ' + row.note if row.note else ''}\n{self.render()}"
            )

    def render(self, styled: bool = False) -> str:
        """The report as a table (``styled``: drawn with rich, as on a terminal)."""
        first = self.first_divergent
        rows = [
            (
                r.index,
                r.name,
                r.shape,
                r.dtype,
                r.max_abs,
                r.max_rel,
                r.passed,
                "; ".join(filter(None, ["FIRST DIVERGENCE" if r.name == first else "", r.note])),
            )
            for r in self.rows
        ]
        status = "no divergence" if first is None else f"first divergent probe: {first}"
        title = f"symreg.debug.layers: {status} (rtol={self.rtol:g}, atol={self.atol:g})"
        columns = ["#", "probe", "shape", "dtype", "max abs", "max rel", "pass", "note"]
        return _table.render(title, columns, rows, styled=styled)

    def __str__(self) -> str:
        return self.render(styled=_table.is_terminal())

    def plot(self, path: str | os.PathLike) -> None:
        """Draws max abs error per probe in execution order (log scale) to an image file.

        The first divergent probe is marked in red; the dashed line is ``atol``. Exact
        matches (error 0) are drawn at the bottom of the axis. Needs matplotlib
        (``pip install "symreg-onnx[plot]"``).

        Args:
            path: the image file to write; its extension picks the format (``.png``, ``.svg``, ...).
        """
        try:
            from matplotlib.figure import Figure
        except ImportError as e:
            raise ImportError(
                'LayerReport.plot needs matplotlib: pip install matplotlib (or pip install "symreg-onnx[plot]")'
            ) from e
        compared = [r for r in self.rows if r.passed is not None]
        errors = np.array([r.max_abs for r in compared], dtype=np.float64)
        finite = errors[np.isfinite(errors) & (errors > 0)]
        floor = min([*finite, self.atol or 1e-12]) / 10
        top = max([*finite, self.atol or 1e-12]) * 10
        shown = np.clip(np.where(np.isfinite(errors), errors, top), floor, top)
        fig = Figure(figsize=(max(6.0, 0.35 * len(compared) + 2), 4.5), layout="constrained")
        ax = fig.add_subplot()
        x = np.arange(len(compared))
        ax.plot(x, shown, marker="o", color="tab:blue", label="max abs error")
        ax.axhline(self.atol, color="gray", linestyle="--", linewidth=1, label=f"atol {self.atol:g}")
        first = self.first_divergent
        for i, row in enumerate(compared):
            if row.name == first:
                ax.axvline(i, color="tab:red", linewidth=1)
                ax.plot([i], [shown[i]], marker="o", markersize=10, color="tab:red", label=f"first divergent: {first}")
        ax.set_yscale("log")
        ax.set_ylim(floor / 2, top * 2)
        ax.set_xticks(
            x, [r.name for r in compared] if len(compared) <= 60 else None, rotation=60, ha="right", fontsize=8
        )
        ax.set_xlabel("probe (execution order)")
        ax.set_ylabel("max |ORT - PyTorch|")
        ax.set_title("symreg.debug.layers: " + ("no divergence" if first is None else f"first divergent: {first}"))
        ax.grid(True, which="major", axis="y", alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        fig.savefig(os.fspath(path))


def layers(
    model: torch.nn.Module,
    args: tuple[Any, ...] | Any,
    *,
    opset_version: int,
    dynamo: bool = False,
    rtol: float = 1e-3,
    atol: float = 1e-5,
    auto: bool | None = None,
    **export_kwargs: Any,
) -> LayerReport:
    """Compares every probed intermediate value of ``model`` in ONNX Runtime with PyTorch.

    Runs the model eagerly (``torch.no_grad()``, current train/eval mode) recording the
    probes, exports it with :func:`symreg.export` with each probe as an extra graph
    output, checks the model, runs it in :func:`symreg.ort.InferenceSession` and
    compares each probe. Probing can change the exported graph slightly (a probe between
    two ops stops the exporter from fusing them).

    Args:
        model: the module to export.
        args: example inputs (a tuple, or one tensor).
        opset_version: the ONNX opset to export at.
        dynamo: use the torch.export-based exporter instead of TorchScript.
        rtol, atol: a probe passes when every element has ``|ort - torch| <= atol + rtol * |torch|``.
        auto: probe the output of every leaf module (named by its qualified name, e.g.
            ``"features.3"``; ``"relu#2"`` for a module's second call). None: only when
            ``forward`` has no :func:`probe` calls of its own.
        **export_kwargs: passed to :func:`symreg.export`.

    Returns:
        A :class:`LayerReport`; ``.first_divergent`` names the first probe that differs.

    Raises:
        ValueError: no probes (none in ``forward`` and ``auto=False``), or duplicate names.
        VerifyError: the exported model fails the checker, or ORT cannot load or run it.
    """
    args = _as_tuple(args)
    with _auto_probes(model, auto is True), collect() as expected:
        _eager(model, args)
    if auto is None and not expected:
        auto = True
        with _auto_probes(model, True), collect() as expected:
            _eager(model, args)
    if not expected:
        raise ValueError(
            "symreg.debug.layers: the model computes no probes; call symreg.debug.probe(x, name) in "
            "forward, or pass auto=True to probe every leaf module's output"
        )
    token = _ACTIVE.set(_Session("export"))
    try:
        with _auto_probes(model, bool(auto)):
            proto = _export_proto(model, args, opset_version=opset_version, dynamo=dynamo, **export_kwargs)
    finally:
        _ACTIVE.reset(token)
    exposed = expose(proto, {name: _numpy(t).dtype for name, t in expected.items()})
    session = _session(proto, "symreg.debug.layers")
    try:
        got = dict(zip(exposed, session.run(exposed, _feeds(session, args))))
    except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
        raise VerifyError(f"symreg.debug.layers: ONNX Runtime failed to run the exported model: {e}") from e
    rows = []
    with _progress(len(expected), "probes") as advance:
        for i, (name, want) in enumerate(expected.items()):
            if name in got:
                r = _compare_row(0, name, got[name], want, rtol, atol)
                rows.append(LayerRow(i, name, r.shape, r.dtype, r.max_abs, r.max_rel, r.passed, r.note))
            else:
                dtype = str(want.dtype).removeprefix("torch.")
                rows.append(LayerRow(i, name, tuple(want.shape), dtype, None, None, None, "not in the exported graph"))
            advance()
    return LayerReport(rows, proto, rtol, atol)


@contextlib.contextmanager
def _auto_probes(model: torch.nn.Module, enabled: bool) -> Iterator[None]:
    """Probes each leaf module's output (forward hooks) inside the block."""
    if not enabled:
        yield
        return
    handles = []
    for qualified, module in model.named_modules():
        if next(module.children(), None) is None:
            handles.append(module.register_forward_hook(_leaf_hook(qualified or type(module).__name__)))
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def _leaf_hook(name: str):
    def hook(module: torch.nn.Module, inputs: Any, output: Any) -> Any:
        session = _ACTIVE.get()
        if session is None:
            return None
        calls = session.calls[name] = session.calls.get(name, 0) + 1
        return _probe_tree(output, name if calls == 1 else f"{name}#{calls}")

    return hook


def _probe_tree(value: Any, name: str) -> Any:
    if isinstance(value, torch.Tensor):
        return probe(value, name)
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*(_probe_tree(v, f"{name}.{f}") for f, v in zip(value._fields, value)))
    if isinstance(value, (tuple, list)):
        return type(value)(_probe_tree(v, f"{name}.{i}") for i, v in enumerate(value))
    if isinstance(value, dict):
        return {k: _probe_tree(v, f"{name}.{k}") for k, v in value.items()}
    return value
