"""``symreg.verify``: export a model, check it, run it in ONNX Runtime, compare with PyTorch."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import warnings
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import onnx
import torch

from symreg import _table
from symreg.errors import ExportError
from symreg.export import export

__all__ = ["VerifyError", "VerifyReport", "VerifyRow", "verify"]


class VerifyError(ExportError):
    """The exported model is invalid, or ONNX Runtime cannot load or run it."""


@dataclasses.dataclass(frozen=True)
class VerifyRow:
    """One output of one input set, ONNX Runtime against eager PyTorch.

    ``max_abs`` is ``max |ort - torch|`` and ``max_rel`` is ``max |ort - torch| / |torch|``
    (NaN where PyTorch has NaN, and equal infinities, count as exact); both are ``inf``
    when the shapes differ or ORT failed. ``passed`` means every element satisfies
    ``|ort - torch| <= atol + rtol * |torch|`` and shape and dtype agree. ``note``
    says why a row failed other than by numbers (shape, dtype, ORT error).
    """

    input_set: int
    name: str
    shape: tuple[int, ...]
    dtype: str
    max_abs: float
    max_rel: float
    passed: bool
    note: str = ""


@dataclasses.dataclass
class VerifyReport:
    """What :func:`verify` found: one :class:`VerifyRow` per input set and output.

    Iterating yields the rows; ``print(report)`` shows them as a table.
    ``model`` is the exported, checked ``onnx.ModelProto``.
    """

    rows: list[VerifyRow]
    model: onnx.ModelProto
    rtol: float
    atol: float

    @property
    def passed(self) -> bool:
        """True when every output of every input set matched."""
        return all(r.passed for r in self.rows)

    def __iter__(self) -> Iterator[VerifyRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def worst(self) -> VerifyRow | None:
        """The failing row with the largest error (None when all passed)."""
        failed = [r for r in self.rows if not r.passed]
        return max(failed, key=lambda r: (r.max_abs, r.max_rel), default=None)

    def raise_if_failed(self) -> None:
        """Raises ``AssertionError`` naming the worst output when any output mismatched."""
        worst = self.worst()
        if worst is None:
            return
        failed = sum(not r.passed for r in self.rows)
        where = "the example input" if worst.input_set == 0 else f"extra input set {worst.input_set}"
        detail = f"; {worst.note}" if worst.note else ""
        raise AssertionError(
            f"symreg.verify: {failed} of {len(self.rows)} outputs differ from PyTorch; worst: output "
            f"{worst.name!r} on {where} (shape {_table.cell(worst.shape)}, {worst.dtype}): max abs "
            f"{worst.max_abs:.3g}, max rel {worst.max_rel:.3g} > atol {self.atol:g} + rtol {self.rtol:g}"
            f"{detail}\n{self.render()}"
        )

    def render(self, styled: bool = False) -> str:
        """The report as a table (``styled``: drawn with rich, as on a terminal)."""
        columns = ["inputs", "output", "shape", "dtype", "max abs", "max rel", "pass", "note"]
        rows = [(r.input_set, r.name, r.shape, r.dtype, r.max_abs, r.max_rel, r.passed, r.note) for r in self.rows]
        status = "passed" if self.passed else "FAILED"
        title = f"symreg.verify: {status} (rtol={self.rtol:g}, atol={self.atol:g})"
        return _table.render(title, columns, rows, styled=styled)

    def __str__(self) -> str:
        return self.render(styled=_table.is_terminal())


def verify(
    model: torch.nn.Module,
    args: tuple[Any, ...] | Any,
    *,
    opset_version: int,
    dynamo: bool = False,
    rtol: float = 1e-3,
    atol: float = 1e-5,
    extra_inputs: Sequence[tuple[Any, ...] | Any] | None = None,
    **export_kwargs: Any,
) -> VerifyReport:
    """Exports ``model`` with symreg, checks it, runs it in ONNX Runtime and compares with PyTorch.

    The model is exported once (in memory) with :func:`symreg.export`, checked with
    ``onnx.checker.check_model(full_check=True)`` and run in
    :func:`symreg.ort.InferenceSession` (symreg's kernels loaded) on ``args`` and on
    every set in ``extra_inputs``. Each output (nested tuples, lists and dicts of
    tensors are flattened as ``torch.onnx`` does) is compared with eager PyTorch, run
    under ``torch.no_grad()`` with the model in its current train/eval mode.

    Args:
        model: the module to export.
        args: the example inputs (a tuple, or one tensor), as for ``torch.onnx.export``.
        opset_version: the ONNX opset to export at.
        dynamo: use the torch.export-based exporter instead of TorchScript.
        rtol, atol: an element passes when ``|ort - torch| <= atol + rtol * |torch|``.
        extra_inputs: more input sets (tuples like ``args``, e.g. other batch or spatial
            sizes), run through the SAME exported model; declare the dims that vary
            with ``dynamic_axes`` (TorchScript) or ``dynamic_shapes`` (dynamo). A set
            that fails in ORT or mismatches flags a shape the export baked in.
        **export_kwargs: passed to :func:`symreg.export` (``input_names``,
            ``dynamic_axes``, ``dynamic_shapes``, ``lowerings``, ...).

    Returns:
        A :class:`VerifyReport`; call ``.raise_if_failed()`` to assert.

    Raises:
        VerifyError: the exported model fails the ONNX checker (its message included),
            or ORT cannot load it or run it on ``args``.
        ExportError, and whatever ``torch.onnx.export`` raises: the export failed.
    """
    input_sets = [_as_tuple(args)] + [_as_tuple(a) for a in (extra_inputs or ())]
    expected = [_eager(model, a) for a in input_sets]
    proto = _export_proto(model, input_sets[0], opset_version=opset_version, dynamo=dynamo, **export_kwargs)
    session = _session(proto)
    names = [o.name for o in session.get_outputs()]
    if len(names) != len(expected[0]):
        raise VerifyError(
            f"symreg.verify: the exported model has {len(names)} outputs ({', '.join(names)}) but the "
            f"PyTorch model returns {len(expected[0])} tensors; cannot pair them"
        )
    rows: list[VerifyRow] = []
    with _progress(len(input_sets)) as advance:
        for i, (inputs, want) in enumerate(zip(input_sets, expected)):
            try:
                got = session.run(None, _feeds(session, inputs))
            except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
                if i == 0:
                    raise VerifyError(f"symreg.verify: ONNX Runtime failed to run the exported model: {e}") from e
                note = f"ORT error (shape baked in?): {_one_line(e)}"
                rows += [_failed_row(i, n, w, note) for n, w in zip(names, want)]
            else:
                rows += [_compare_row(i, n, g, w, rtol, atol, extra=i > 0) for n, g, w in zip(names, got, want)]
            advance()
    return VerifyReport(rows, proto, rtol, atol)


# Helpers shared with symreg.debug.


def _as_tuple(args: Any) -> tuple[Any, ...]:
    return args if isinstance(args, tuple) else (args,)


def _eager(model: torch.nn.Module, args: tuple[Any, ...]) -> list[torch.Tensor]:
    with torch.no_grad():
        return _flatten(model(*args))


def _flatten(value: Any) -> list[torch.Tensor]:
    """Tensors of a (nested) output in the order the exporters emit them; non-tensors dropped."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flatten(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _flatten(v)]
    return []


def _export_proto(model: torch.nn.Module, args: tuple[Any, ...], **kwargs: Any) -> onnx.ModelProto:
    """Exports to memory with :func:`symreg.export` and returns the ``ModelProto`` (unchecked)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        if kwargs.get("dynamo"):
            kwargs.setdefault("verbose", False)
            return export(model, args, None, **kwargs).model_proto
        buffer = io.BytesIO()
        export(model, args, buffer, **kwargs)
    return onnx.load_from_string(buffer.getvalue())


def _check(proto: onnx.ModelProto, what: str = "symreg.verify") -> None:
    try:
        onnx.checker.check_model(proto, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as e:
        raise VerifyError(f"{what}: the exported model fails onnx.checker (full check): {e}") from e


def _session(proto: onnx.ModelProto, what: str = "symreg.verify") -> Any:
    from symreg import ort

    _check(proto, what)
    try:
        return ort.InferenceSession(proto.SerializeToString())
    except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
        raise VerifyError(f"{what}: ONNX Runtime cannot load the exported model: {e}") from e


def _feeds(session: Any, args: tuple[Any, ...]) -> dict[str, np.ndarray]:
    tensors = [t for a in args for t in _flatten(a)]
    inputs = session.get_inputs()
    if len(inputs) != len(tensors):
        raise ValueError(
            f"the exported model takes {len(inputs)} inputs ({', '.join(i.name for i in inputs)}) but "
            f"{len(tensors)} tensors were given; inputs the model does not use are dropped by the exporter"
        )
    return {i.name: _numpy(t) for i, t in zip(inputs, tensors)}


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    tensor = tensor.detach().cpu()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.float()
    return tensor.numpy()


def _errors(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> tuple[float, float, bool]:
    """(max abs, max rel, all close); NaN against NaN and equal infinities are exact."""
    a = np.asarray(actual, dtype=np.float64)
    b = np.asarray(expected, dtype=np.float64)
    if a.size == 0:
        return 0.0, 0.0, True
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        diff = np.where(same, 0.0, np.abs(a - b))
        rel = np.where(same, 0.0, diff / np.abs(b))
        close = same | (diff <= atol + rtol * np.abs(b))
    diff = np.where(np.isnan(diff), np.inf, diff)
    rel = np.where(np.isnan(rel), np.inf, rel)
    return float(diff.max()), float(rel.max()), bool(close.all())


def _compare_row(
    i: int, name: str, got: Any, want: torch.Tensor, rtol: float, atol: float, *, extra: bool = False
) -> VerifyRow:
    expected = _numpy(want)
    actual = np.asarray(got)
    shape, dtype = tuple(want.shape), str(want.dtype).removeprefix("torch.")
    hint = " (shape baked in?)" if extra else ""
    if actual.shape != expected.shape:
        return VerifyRow(i, name, shape, dtype, np.inf, np.inf, False, f"ORT shape {actual.shape}{hint}")
    max_abs, max_rel, close = _errors(actual, expected, rtol, atol)
    note = ""
    if actual.dtype != expected.dtype:
        close, note = False, f"ORT dtype {actual.dtype}"
    elif not close and extra:
        note = "mismatch on an extra input set (shape baked in?)"
    return VerifyRow(i, name, shape, dtype, max_abs, max_rel, close, note)


def _failed_row(i: int, name: str, want: torch.Tensor, note: str) -> VerifyRow:
    return VerifyRow(i, name, tuple(want.shape), str(want.dtype).removeprefix("torch."), np.inf, np.inf, False, note)


def _one_line(error: BaseException, limit: int = 300) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


@contextlib.contextmanager
def _progress(total: int, what: str = "input sets"):
    """Yields ``advance()``; draws a rich progress bar on a terminal for more than one step."""
    if total <= 1 or not _table.is_terminal():
        yield lambda: None
        return
    from rich.progress import Progress

    with Progress(transient=True) as progress:
        task = progress.add_task(f"running {what}", total=total)
        yield lambda: progress.advance(task)
