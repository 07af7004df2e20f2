"""aten::erfc (Cody's rational approximations, symreg/ops/_math_erfc.py) over the real line, in ORT.

The op table runs OpInfo's samples and the edge values; this sweeps [-30, 30] densely, where
1 - erf(x) would lose all relative accuracy for x > 0, against float64 truth (float32) and
against eager torch (float64), under both exporters (torchlib's erfc is 1 - erf, and wrong for these).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from domains import symmetric
from ortcheck import EXPORTS, Fn, assert_matches, export, run

_X = np.concatenate(
    [np.linspace(-30, 30, 60001), symmetric(np.logspace(-300, 1.5, 2000)), [0.0, np.inf, -np.inf, np.nan]]
)


@pytest.mark.parametrize("exporter,opset", EXPORTS)
def test_float64_against_torch(exporter, opset):
    """float64 within 1e-14 relative of torch.erfc (Cody's are good to ~1e-16), down to the smallest normal."""
    x = torch.from_numpy(_X)
    (y,) = run(export(Fn(torch.erfc), (x[:5],), exporter, opset), [x])
    tiny = float(torch.finfo(torch.float64).tiny)
    assert_matches(y, torch.erfc(x), rtol=1e-14, atol=tiny, what=f"erfc {exporter}@{opset} float64")


@pytest.mark.parametrize("exporter,opset", EXPORTS)
def test_float32_against_float64_truth(exporter, opset):
    """float32 within 1e-6 relative of erfc in float64, down to float32's smallest normal number."""
    x = torch.from_numpy(_X).float()
    (y,) = run(export(Fn(torch.erfc), (x[:5],), exporter, opset), [x])
    tiny = float(torch.finfo(torch.float32).tiny)
    truth = torch.erfc(x.double())
    assert_matches(y, truth, rtol=1e-6, atol=tiny, dtype=np.float32, what=f"erfc {exporter}@{opset} float32")
