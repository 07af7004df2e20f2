"""Properties of the erfinv kernel over arbitrary inputs (hypothesis), beyond the fixed grids."""

import math

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from symreg import _kernels

unit_doubles = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)
any_floats32 = st.floats(width=32, allow_nan=True, allow_infinity=True)


@settings(max_examples=2000, deadline=None)
@given(unit_doubles)
def test_odd_and_inverse_of_erf(x):
    y = _kernels.erfinv(np.array([x, -x]))
    assert y[0] == -y[1] or (math.isinf(y[0]) and y[0] == -y[1])
    if abs(x) < 0.999:  # erf is well conditioned there: erf(erfinv(x)) returns x to ~1 ulp
        assert math.erf(y[0]) == x or abs(math.erf(y[0]) - x) <= 4 * np.spacing(abs(x))


@settings(max_examples=1000, deadline=None)
@given(unit_doubles, unit_doubles)
def test_monotonic(a, b):
    lo, hi = sorted((a, b))
    y = _kernels.erfinv(np.array([lo, hi]))
    assert y[0] <= y[1]


@settings(max_examples=3000, deadline=None)
@given(any_floats32)
def test_float32_matches_float64_truth(x):
    y = _kernels.erfinv(np.array([x], dtype=np.float32))[0]
    truth = torch.erfinv(torch.tensor([x], dtype=torch.float64)).item()
    if math.isnan(truth):
        assert math.isnan(y)
    elif math.isinf(truth) or truth == 0:
        assert y == truth
    else:
        assert abs(float(y) - truth) <= max(1e-6 * abs(truth), 1.5e-45)
