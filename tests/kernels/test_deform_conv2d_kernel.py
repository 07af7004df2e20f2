"""symreg._kernels.deform_conv2d (the C++ kernel behind symreg::DeformConv2d) against torchvision."""

import numpy as np
import pytest

from deform_conv2d_cases import ATOL, BAD, CASES, Case, inputs, reference
from symreg import _kernels

DTYPES = [np.float32, np.float64]


def run(case: Case, args: dict, **kwargs) -> np.ndarray:
    return _kernels.deform_conv2d(
        args["x"], args["weight"], args["offset"], args["mask"], args["bias"], case.strides, case.pads,
        case.dilations, case.group, case.offset_group, **kwargs,
    )


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torchvision(case, dtype):
    args = inputs(case, dtype)
    got = run(case, args)
    expected = reference(case, **args)
    assert got.dtype == dtype and got.shape == expected.shape == (case.x[0], case.c_out, *case.out_hw)
    if got.size:
        assert np.abs(got - expected).max() <= ATOL[dtype]


@pytest.mark.parametrize("threads", [2, 3])
def test_threads_do_not_change_results(threads):
    case = Case((2, 16, 20, 13), 32, group=2, offset_group=4, pads=(1, 1, 1, 1), offset_scale=5.0)
    args = inputs(case)
    np.testing.assert_array_equal(run(case, args, threads=threads), run(case, args))


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
def test_non_finite_offsets_sample_zero(dtype):
    """NaN and +-inf positions fall outside the image (zero), like a far finite one: no UB, no garbage."""
    case = Case((1, 4, 6, 6), 3, pads=(1, 1, 1, 1))
    args = inputs(case, dtype)
    far = dict(args, offset=args["offset"].copy())
    odd = dict(args, offset=args["offset"].copy())
    for i, value in enumerate([np.nan, np.inf, -np.inf]):
        odd["offset"][0, i::3, 1::2, :] = value
        far["offset"][0, i::3, 1::2, :] = 1e30
    np.testing.assert_array_equal(run(case, odd), run(case, far))


def test_mixed_dtypes_are_refused():
    args = inputs(Case((1, 4, 6, 6), 3), np.float32)
    with pytest.raises(TypeError, match="float32 or float64 arrays, all of one dtype"):
        _kernels.deform_conv2d(args["x"], args["weight"].astype(np.float64), args["offset"])
    with pytest.raises(TypeError, match="float32 or float64"):
        _kernels.deform_conv2d(args["x"].astype(np.int32), args["weight"], args["offset"])


def test_defaults_and_non_contiguous_inputs():
    case = Case((1, 4, 6, 6), 3, mask=False, bias=False)
    args = inputs(case, np.float64)
    x = np.asfortranarray(args["x"])
    got = _kernels.deform_conv2d(x, args["weight"], args["offset"])
    assert np.abs(got - reference(case, **args)).max() <= ATOL[np.float64]


@pytest.mark.parametrize(("problem", "shapes", "attrs"), BAD, ids=[b[0][:60] for b in BAD])
def test_bad_input_is_a_value_error(problem, shapes, attrs):
    arrays = {k: np.zeros(v, np.float32) for k, v in shapes.items()}
    with pytest.raises(ValueError, match=r"^symreg::DeformConv2d: " + problem):
        _kernels.deform_conv2d(
            arrays["x"], arrays["weight"], arrays["offset"], arrays["mask"], arrays["bias"], **attrs
        )
