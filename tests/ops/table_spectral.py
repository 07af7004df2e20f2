"""Op-table entries of symreg/ops/spectral.py, in name order."""

from __future__ import annotations

import torch
from op_entry import OpEntry, Sample

#: A copy of input elements.
EXACT = {torch.float32: (0.0, 0.0), torch.float64: (0.0, 0.0), torch.int64: (0.0, 0.0)}
#: Sums of a few products: float32 within 1e-5 (the samples' values are about 1), float64 within 1e-12.
DFT = {torch.float32: (1e-5, 1e-5), torch.float64: (1e-12, 1e-12)}
#: hfft's outputs are unscaled sums of about n * |x|: float32 off by up to 6.1e-5 on OpInfo's samples (measured).
HFFT = {torch.float32: (1e-5, 2e-4), torch.float64: (1e-12, 1e-11)}
#: Sums of n_fft (up to 512) products, unnormalized.
STFT = {torch.float32: (1e-5, 1e-4), torch.float64: (1e-12, 1e-11)}
#: The one opset of the grid below 10 and 11.
TS9 = dict(exporter="torchscript", opset=9)


def shift_samples(dtype: torch.dtype) -> list[Sample]:
    """Odd and even sizes, negative dims, empty inputs (eager torch refuses 0-d input: "`shifts` required")."""
    torch.manual_seed(0)
    x = torch.randn(3, 4, 5).to(dtype) if dtype.is_floating_point else torch.randint(-9, 9, (3, 4, 5), dtype=dtype)
    return [
        Sample((x,)),
        Sample((x, [-1, 0])),
        Sample((torch.empty(2, 0, 3, dtype=dtype), [0])),
    ]


def _stft(x, window, n_fft, hop_length=None, win_length=None, center=True, normalized=False, onesided=None):
    return torch.stft(
        x,
        n_fft,
        hop_length=hop_length,
        win_length=win_length,
        window=window,
        center=center,
        normalized=normalized,
        onesided=onesided,
        return_complex=False,
    )


def stft_samples(dtype: torch.dtype) -> list[Sample]:
    """OpInfo's calls with ``return_complex=False`` (ORT holds no complex tensor), and a long frame."""
    torch.manual_seed(0)
    static_window = (None, ())
    return [
        Sample((torch.randn(100, dtype=dtype), None, 10)),
        Sample((torch.randn(10, 100, dtype=dtype), None, 16), dict(hop_length=4, center=False)),
        Sample((torch.randn(2, 100, dtype=dtype), torch.hann_window(16, dtype=dtype), 16), dims=static_window),
        Sample(
            (torch.randn(3, 50, dtype=dtype), torch.rand(16, dtype=dtype), 16),
            dict(onesided=False, normalized=True),
            dims=static_window,
        ),
        Sample(
            (torch.randn(2, 90, dtype=dtype), torch.hann_window(10, dtype=dtype), 16),
            dict(win_length=10, hop_length=5),
            dims=static_window,
        ),
        Sample((torch.randn(10, dtype=dtype), None, 7), dict(center=False, win_length=5)),
        Sample(
            (torch.randn(2, 3000, dtype=dtype), torch.hann_window(512, dtype=dtype), 512),
            dict(hop_length=128),
            dims=static_window,
        ),
    ]


def irfft_samples(dtype: torch.dtype) -> list[Sample]:
    """Trimmed and zero-padded inputs, odd n, every norm, a long transform."""
    torch.manual_seed(0)
    x = torch.randn(4, 9, dtype=dtype)
    return [
        Sample((x,), dict(n=6)),
        Sample((x,), dict(n=21, dim=0, norm="forward")),
        Sample((torch.randn(3, 257, dtype=dtype),), dict(norm="ortho")),
    ]


def irfftn_samples(dtype: torch.dtype) -> list[Sample]:
    """Trimmed and zero-padded dims, every norm, three dims."""
    torch.manual_seed(0)
    x = torch.randn(4, 5, 6, dtype=dtype)
    return [
        Sample((x,), dict(s=(3, 7), norm="forward")),
        Sample((x,), dict(s=(6, 5, 4), dim=(2, 0, 1))),
        Sample((x,), dict(dim=(0, 2), norm="ortho")),
    ]


ENTRIES: tuple[OpEntry, ...] = (
    OpEntry(
        ("aten::fft_fftshift",),
        EXACT,
        opinfo="fft.fftshift",
        samples=shift_samples,
        dtypes=(torch.float32, torch.float64, torch.int64),
    ).xfail("Slice takes its starts as an input from opset 10", **TS9),
    OpEntry(("aten::fft_hfft",), HFFT, opinfo="fft.hfft", samples=irfft_samples, fn=torch.fft.hfft).xfail(
        "Range is opset 11", **TS9
    ),
    OpEntry(("aten::fft_hfft2",), HFFT, opinfo="fft.hfft2", fn=torch.fft.hfft2).xfail("Range is opset 11", **TS9),
    OpEntry(("aten::fft_hfftn",), HFFT, opinfo="fft.hfftn", samples=irfftn_samples, fn=torch.fft.hfftn).xfail(
        "Range is opset 11", **TS9
    ),
    OpEntry(
        ("aten::fft_ifftshift",),
        EXACT,
        opinfo="fft.ifftshift",
        samples=shift_samples,
        dtypes=(torch.float32, torch.float64, torch.int64),
    ).xfail("Slice takes its starts as an input from opset 10", **TS9),
    OpEntry(("aten::fft_irfft",), DFT, opinfo="fft.irfft", samples=irfft_samples, fn=torch.fft.irfft).xfail(
        "Range is opset 11", **TS9
    ),
    OpEntry(("aten::fft_irfft2",), DFT, opinfo="fft.irfft2", fn=torch.fft.irfft2).xfail("Range is opset 11", **TS9),
    OpEntry(("aten::fft_irfftn",), DFT, opinfo="fft.irfftn", samples=irfftn_samples, fn=torch.fft.irfftn).xfail(
        "Range is opset 11", **TS9
    ),
    OpEntry(("aten::stft",), STFT, samples=stft_samples, fn=_stft).xfail("Range is opset 11", **TS9),
)
