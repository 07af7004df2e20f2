"""aten::erfinv (symreg::Erfinv) over its whole domain and against float64 truth, both exporters, in ORT.

The op table (tests/ops/op_table.py) runs OpInfo's samples and the aliases; this sweeps the
domain: edge values (0, ±1, 1 ± ulp, subnormal, huge, ±inf, NaN) and dense sweeps towards 0
and ±1 (tests/ops/domains.py).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from domains import DOMAINS, symmetric
from ortcheck import EXPORTS, Fn, assert_matches, export, run

# float32: within 1e-6 relative of eager torch in float32; float64: within 1e-12 relative of eager torch in float64.
RTOL = {torch.float32: 1e-6, torch.float64: 1e-12}


@pytest.mark.parametrize("dtype", RTOL, ids=str)
@pytest.mark.parametrize("exporter,opset", EXPORTS)
def test_whole_domain(exporter, opset, dtype):
    x = torch.from_numpy(np.append(DOMAINS["erfinv"], np.nan)).to(dtype)
    proto = export(Fn(torch.erfinv), (x[:5],), exporter, opset)
    (y,) = run(proto, [x], threads=2)
    assert_matches(y, torch.erfinv(x), rtol=RTOL[dtype], what=f"erfinv {exporter}@{opset} {dtype}", signed_zeros=True)


@pytest.mark.parametrize("exporter,opset", EXPORTS)
def test_float32_against_float64_truth(exporter, opset):
    """float32 erfinv within 1e-6 relative of torch.erfinv evaluated in float64 on the same inputs."""
    x = torch.from_numpy(np.concatenate([np.linspace(-1, 1, 200001)[1:-1], symmetric(np.logspace(-38, -1e-8, 2000))]))
    x = x.float()
    proto = export(Fn(torch.erfinv), (x[:5],), exporter, opset)
    (y,) = run(proto, [x], threads=2)
    assert_matches(y, torch.erfinv(x.double()), rtol=1e-6, dtype=np.float32, what=f"erfinv {exporter}@{opset}")
