"""Spectral ops: fftshift, real and Hermitian inverse FFTs of real input, stft below opset 17.

``fftshift``/``ifftshift``: a roll by ``n // 2`` (``-(n // 2)``) of each dim, two ``Slice``
and a ``Concat`` with the sizes read from ``Shape``; opset 10 (``Slice`` with inputs).

DFTs are ``MatMul`` with cos/sin matrices. Where the transform's length depends on an input
size (``irfft``'s default ``n = 2 * (m - 1)``), the matrices are computed in the graph from
``Range``: the angle index ``j * k mod n`` is exact in int64, so ``cos(2 pi r / n)`` is as
accurate as a constant; opset 11. ``irfft`` of a real input ``x`` (length ``m``, output
length ``n``) is ``x @ A`` with ``A[j, k] = c_j cos(2 pi j k / n)``, ``c_j`` 1 at ``j = 0`` and
``j = n / 2``, 2 between, 0 past ``n // 2`` (torch trims or zero-pads the input to
``n // 2 + 1``); ``hfft(x) = irfft(conj(x))`` scaled by ``n`` (for real ``x``,
``conj(x) = x``). The n-dim forms apply an inverse complex DFT (``(re, im)`` pairs) on each
dim but the last, then the ``irfft`` matrices (``cos`` for ``re``, ``-sin`` for ``im``) on the
last. These ops take complex input in general; ORT cannot hold a complex tensor, so only a
real input (a model's real tensor passed to them) exports.

``stft`` (``return_complex=False``): frames gathered with a ``(frames, n_fft)`` index table
(``Range``), windowed, and one ``MatMul`` with the ``[cos | -sin]`` DFT matrix (a constant:
``n_fft`` is static); opset 11 (ONNX ``STFT`` is opset 17).

Rules are in alphabetical order of their op.
"""

from __future__ import annotations

import numpy as np
import torch

from symreg.builder import Builder
from symreg.errors import ExportError
from symreg.ops._helpers import (
    arange,
    cast,
    cast_back,
    constant_like,
    dim,
    ints,
    or_default,
    pad,
    promote_to_float,
    rank_of,
    shape_part,
    slice_,
)
from symreg.registry import op

# --- fftshift, ifftshift ---------------------------------------------------------------


def _shift(g: Builder, x, dims: list[int] | None, inverse: bool):
    rank = rank_of(g, x)
    dims = list(range(rank)) if dims is None else [d % rank for d in dims] if rank else []
    for axis in dims:
        n = dim(g, x, axis)
        half = g.op("Div", n, ints(g, [2]))
        cut = half if inverse else g.op("Sub", n, half)  # y = x[cut:] ++ x[:cut]
        tail = slice_(g, x, [axis], [cut], [np.iinfo(np.int64).max])
        head = slice_(g, x, [axis], [0], [cut])
        x = g.op("Concat", tail, head, axis=axis)
    return x


@op("aten::fft_fftshift", opset=10)
def aten_fft_fftshift(g: Builder, x, dim: list[int] | None = None):
    """Roll of each dim by ``n // 2``: ``Slice`` + ``Concat`` (opset 10).

    Both exporters: torch's dynamo lowering fails with dynamic dims ("Unsupported
    attribute type: list").
    """
    return _shift(g, x, dim, inverse=False)


# --- irfft, hfft (real input) ----------------------------------------------------------
# Both exporters: torch's dynamo lowering computes float64 at float32 accuracy (errors of
# 1e-7) and bakes the export-time sizes in (wrong values or shapes on another input size).


def _along(g: Builder, x, axis: int, matrix, rank: int):
    """``x`` (of rank ``rank``) contracted along ``axis`` with ``matrix`` (m, n): that dim becomes ``n``."""
    if axis == rank - 1:
        return g.op("MatMul", x, matrix)
    perm = list(range(rank))
    perm[axis], perm[-1] = perm[-1], perm[axis]
    return g.op("Transpose", g.op("MatMul", g.op("Transpose", x, perm=perm), matrix), perm=perm)


def _plus(g: Builder, a, b):
    return b if a is None else a if b is None else g.op("Add", a, b)


def _dft_tables(g: Builder, m, n, x):
    """(j (m, 1) int64, angle (m, n) = 2 pi (j k mod n) / n in ``x``'s dtype)."""
    dtype = g.dtype(x) or torch.float32
    j = g.op("Reshape", arange(g, m), ints(g, [-1, 1]))
    k = g.op("Reshape", arange(g, n), ints(g, [1, -1]))
    r = g.op("Mod", g.op("Mul", j, k), n)
    step = g.op("Div", constant_like(g, [2 * np.pi], x), cast(g, n, dtype))
    return j, g.op("Mul", cast(g, r, dtype), step)


def _norm_scale(g: Builder, n, norm: str, x):
    """1/n (``backward``), 1/sqrt(n) (``ortho``) or None (``forward``) for an inverse transform."""
    if norm == "forward":
        return None
    inverse = g.op("Div", constant_like(g, [1.0], x), cast(g, n, g.dtype(x) or torch.float32))
    return g.op("Sqrt", inverse) if norm == "ortho" else inverse


def _scaled(g: Builder, matrix, scale):
    return matrix if scale is None else g.op("Mul", matrix, scale)


def _irfftn(g: Builder, x, s: list[int] | None, dims: list[int] | None, norm: str | None, hermitian: bool):
    """``irfftn`` of a real ``x`` (``hfftn`` when ``hermitian``: the same sums, the other scaling)."""
    rank = rank_of(g, x)
    if g.dtype(x) is not None and (g.dtype(x).is_complex or not g.dtype(x).is_floating_point):
        raise ExportError(f"{g.overload}: only a real float input exports (ONNX Runtime holds no complex tensor)")
    norm = norm or "backward"
    if norm not in ("backward", "ortho", "forward"):
        raise ExportError(f"{g.overload}: unknown norm {norm!r}")
    if hermitian:  # a forward transform: its scaling is the inverse's other way round
        norm = {"backward": "forward", "forward": "backward"}.get(norm, norm)
    if dims is None:
        dims = list(range(rank - len(s), rank)) if s is not None else list(range(rank))
    dims = [d % rank for d in dims]
    x, back = promote_to_float(g, x)
    zero = constant_like(g, [0.0], x)
    re, im = x, None
    for i, axis in enumerate(dims):
        m = dim(g, x, axis)
        last = i == len(dims) - 1
        if s is not None and s[i] != -1:
            n = ints(g, [s[i]])
        elif last:
            n = g.op("Mul", g.op("Sub", m, ints(g, [1])), ints(g, [2]))
        else:
            n = m
        j, angle = _dft_tables(g, m, n, x)
        scale = _norm_scale(g, n, norm, x)
        cos, sin = g.op("Cos", angle), g.op("Sin", angle)
        if last:  # c2r: c_j = 1 at j = 0 and 2j = n, 2 for 0 < j < n/2, 0 past n // 2
            twice = g.op("Mul", j, ints(g, [2]))
            edge = g.op("Or", g.op("Equal", j, ints(g, [0])), g.op("Equal", twice, n))
            beyond = g.op("Greater", twice, n)
            c = g.op("Where", edge, constant_like(g, [1.0], x), g.op("Where", beyond, zero, constant_like(g, [2.0], x)))
            a = _scaled(g, g.op("Mul", cos, c), scale)
            out = _along(g, re, axis, a, rank)
            if im is not None:
                out = g.op("Sub", out, _along(g, im, axis, _scaled(g, g.op("Mul", sin, c), scale), rank))
            return cast_back(g, out, back)
        keep = g.op("Where", g.op("Less", j, n), constant_like(g, [1.0], x), zero)  # rows past n are trimmed
        cos, sin = _scaled(g, g.op("Mul", cos, keep), scale), _scaled(g, g.op("Mul", sin, keep), scale)
        new_re = _along(g, re, axis, cos, rank)
        new_im = _along(g, re, axis, sin, rank)
        if im is not None:
            new_re = g.op("Sub", new_re, _along(g, im, axis, sin, rank))
            new_im = g.op("Add", new_im, _along(g, im, axis, cos, rank))
        re, im = new_re, new_im
    raise ExportError(f"{g.overload}: no dims to transform")


@op("aten::fft_hfft", opset=11)
def aten_fft_hfft(g: Builder, x, n: int | None = None, dim: int = -1, norm: str | None = None):
    """``n * irfft(x)`` for a real ``x``: one ``MatMul`` (module docstring). Opset 11, both exporters."""
    return _irfftn(g, x, None if n is None else [n], [dim], norm, hermitian=True)


@op(("aten::fft_hfft2", "aten::fft_hfftn"), opset=11)
def aten_fft_hfftn(g: Builder, x, s: list[int] | None = None, dim: list[int] | None = None, norm: str | None = None):
    """``prod(n) * irfftn(x)`` for a real ``x`` (module docstring). Opset 11, both exporters."""
    return _irfftn(g, x, s, dim, norm, hermitian=True)


@op("aten::fft_ifftshift", opset=10)
def aten_fft_ifftshift(g: Builder, x, dim: list[int] | None = None):
    """Roll of each dim by ``-(n // 2)``: ``Slice`` + ``Concat`` (opset 10).

    Both exporters: torch's dynamo lowering fails with dynamic dims ("Unsupported
    attribute type: list").
    """
    return _shift(g, x, dim, inverse=True)


@op("aten::fft_irfft", opset=11)
def aten_fft_irfft(g: Builder, x, n: int | None = None, dim: int = -1, norm: str | None = None):
    """One ``MatMul`` with the ``c_j cos(2 pi j k / n)`` matrix (module docstring). Opset 11, both exporters."""
    return _irfftn(g, x, None if n is None else [n], [dim], norm, hermitian=False)


@op(("aten::fft_irfft2", "aten::fft_irfftn"), opset=11)
def aten_fft_irfftn(g: Builder, x, s: list[int] | None = None, dim: list[int] | None = None, norm: str | None = None):
    """Inverse complex DFTs on all dims but the last, the ``irfft`` matrices on the last. Opset 11, both exporters."""
    return _irfftn(g, x, s, dim, norm, hermitian=False)


# --- stft -------------------------------------------------------------------------------


def _stft_window(g: Builder, window, n_fft: int, win: int, x):
    """The window, zero-padded on both sides to ``n_fft`` as torch pads it (ones where None)."""
    left = (n_fft - win) // 2
    if window is None:
        ones = np.zeros(n_fft)
        ones[left : left + win] = 1.0
        return constant_like(g, ones, x)
    dtype = g.dtype(x) or torch.float32
    w = cast(g, window, dtype) if g.dtype(window) not in (None, dtype) else window
    return pad(g, w, 1, [left], [n_fft - win - left]) if left or n_fft - win - left else w


def _stft_check(g: Builder, x, return_complex, align_to_window) -> int:
    """``x``'s rank (1 or 2), read before any ``Cast``; ``ExportError`` for what ONNX Runtime cannot run."""
    if return_complex or align_to_window:
        raise ExportError(
            f"{g.overload}: only return_complex=False exports (ONNX Runtime holds no complex tensor); "
            "call torch.stft(..., return_complex=False) or export torch.view_as_real of it"
        )
    if g.rank(x) not in (1, 2):
        raise ExportError(f"{g.overload}: expected a 1-D or 2-D input, got rank {g.rank(x)}")
    return g.rank(x)


@op("aten::stft", opset=11, exporters=("torchscript",))
def aten_stft(
    g: Builder,
    x,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window=None,
    normalized: bool = False,
    onesided: bool | None = None,
    return_complex: bool | None = None,
    align_to_window: bool | None = None,
):
    """Frames gathered, windowed, and one ``MatMul`` with the ``[cos | -sin]`` matrix (module docstring).

    ``return_complex=False`` only (a ``(..., freqs, frames, 2)`` real view); torch pads for
    ``center=True`` with ``aten::pad`` before this op. Opsets 11-16 (the opset-17 rule
    uses ONNX ``STFT``). TorchScript only: torch's dynamo lowering passes.
    """
    rank = _stft_check(g, x, return_complex, align_to_window)
    x, back = promote_to_float(g, x)
    dtype = g.dtype(x) or torch.float32
    hop, win = or_default(hop_length, n_fft // 4), or_default(win_length, n_fft)
    one_sided = or_default(onesided, True)
    length = dim(g, x, rank - 1)
    frames = g.op("Add", g.op("Div", g.op("Sub", length, ints(g, [n_fft])), ints(g, [hop])), ints(g, [1]))
    starts = g.op("Mul", g.op("Reshape", arange(g, frames), ints(g, [-1, 1])), ints(g, [hop]))
    index = g.op("Add", starts, ints(g, np.arange(n_fft)[None, :]))  # (frames, n_fft)
    framed = g.op("Gather", x, index, axis=rank - 1)  # (..., frames, n_fft)
    framed = g.op("Mul", framed, _stft_window(g, window, n_fft, win, x))
    freqs = n_fft // 2 + 1 if one_sided else n_fft
    k = np.arange(n_fft)[:, None]
    f = np.arange(freqs)[None, :]
    angle = 2 * np.pi * ((k * f) % n_fft) / n_fft
    matrix = np.concatenate([np.cos(angle), -np.sin(angle)], axis=1)
    if normalized:
        matrix = matrix / np.sqrt(n_fft)
    y = g.op("MatMul", framed, g.constant(matrix, dtype=dtype))  # (..., frames, 2 * freqs)
    lead = shape_part(g, y, 0, rank)  # (..., frames)
    y = g.op("Reshape", y, g.op("Concat", lead, ints(g, [2, freqs]), axis=0))  # (..., frames, 2, freqs)
    y = g.op("Transpose", y, perm=[0, 3, 1, 2] if rank == 2 else [2, 0, 1])
    return cast_back(g, y, back)


@op("aten::stft", opset=17, exporters=("torchscript",))
def aten_stft_17(
    g: Builder,
    x,
    n_fft: int,
    hop_length: int | None = None,
    win_length: int | None = None,
    window=None,
    normalized: bool = False,
    onesided: bool | None = None,
    return_complex: bool | None = None,
    align_to_window: bool | None = None,
):
    """ONNX ``STFT`` (opset 17) on a ``(batch, length, 1)`` view, as torch's own opset-17 rule.

    Kept so that the opset-11 rule does not replace torch's working lowering at 17.
    """
    rank = _stft_check(g, x, return_complex, align_to_window)
    x, back = promote_to_float(g, x)
    hop, win = or_default(hop_length, n_fft // 4), or_default(win_length, n_fft)
    one_sided = or_default(onesided, True)
    if rank == 2:
        batched = g.op("Reshape", x, g.op("Concat", g.op("Shape", x), ints(g, [1]), axis=0))
    else:
        batched = g.op("Reshape", x, ints(g, [1, -1, 1]))
    window = _stft_window(g, window, n_fft, win, x)
    y = g.op("STFT", batched, ints(g, hop), window, onesided=int(one_sided))  # (B, frames, bins, 2)
    y = g.op("Transpose", y, perm=[0, 2, 1, 3])
    if normalized:
        y = g.op("Mul", y, constant_like(g, [1.0 / np.sqrt(n_fft)], x))
    if rank == 1:
        y = g.op("Reshape", y, shape_part(g, y, 1, 4))
    return cast_back(g, y, back)
