"""aten::sinh, cosh, asinh, acosh and atanh over their whole domain, both exporters, in ORT vs eager torch.

The op table (tests/ops/op_table.py) runs OpInfo's samples; this sweeps each op's domain:
edge values (0, ±1, tiny, subnormal, huge, ±inf, NaN) and dense logarithmic sweeps
(tests/ops/domains.py), where the float64 lowerings' branches meet.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from domains import DOMAINS
from ortcheck import EXPORTS, Fn, assert_matches, export, run

OPS = {"acosh": torch.acosh, "asinh": torch.asinh, "atanh": torch.atanh, "cosh": torch.cosh, "sinh": torch.sinh}
# float32: within 1e-6 relative of eager torch in float32; float64: within 1e-12 relative of eager torch in float64.
RTOL = {torch.float32: 1e-6, torch.float64: 1e-12}


def reference(name: str, x: torch.Tensor) -> torch.Tensor:
    """torch's result, except where torch's vectorised float64 sinh/cosh overflow early.

    They overflow where exp does (|x| > 709.78), while the true value, glibc, NumPy and
    torch's own scalar path stay finite up to |x| = 710.4759; there NumPy is the reference.
    """
    expected = OPS[name](x)
    if name in ("sinh", "cosh") and x.dtype == torch.float64:
        band = (x.abs() > 709.78) & (x.abs() < 710.48)
        with np.errstate(over="ignore"):
            expected[band] = torch.from_numpy(getattr(np, name)(x[band].numpy()))
    return expected


@pytest.mark.parametrize("dtype", RTOL, ids=str)
@pytest.mark.parametrize("exporter,opset", EXPORTS)
@pytest.mark.parametrize("name", sorted(OPS))
def test_whole_domain(name, exporter, opset, dtype):
    x = torch.from_numpy(np.append(DOMAINS[name], np.nan)).to(dtype)
    proto = export(Fn(OPS[name]), (x[:5],), exporter, opset)
    (y,) = run(proto, [x], threads=2)
    assert_matches(
        y, reference(name, x), rtol=RTOL[dtype], what=f"{name} {exporter}@{opset} {dtype}", signed_zeros=True
    )


def test_reference_uses_numpy_only_in_the_overflow_band():
    x = torch.tensor([709.7, 709.9, -710.4, 710.5, np.inf], dtype=torch.float64)
    expected = reference("sinh", x)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(expected[1:3].numpy(), np.sinh(x[1:3].numpy()))
    np.testing.assert_array_equal(expected[[0, 3, 4]].numpy(), torch.sinh(x[[0, 3, 4]]).numpy())
    assert torch.isfinite(expected[:3]).all() and torch.isinf(expected[3:]).all()
