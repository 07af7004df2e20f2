"""symreg._kernels.erfinv (the C++ kernel behind symreg::Erfinv) against torch.erfinv in float64."""

import numpy as np
import pytest
import torch

from symreg import _kernels

# Relative error bounds against torch.erfinv evaluated in float64 on the same inputs.
RTOL = {np.float32: 1e-6, np.float64: 1e-12}
# Subnormal results carry fewer significant bits: there the bound is one subnormal step.
ATOL = {np.float32: np.finfo(np.float32).smallest_subnormal, np.float64: np.finfo(np.float64).smallest_subnormal}
TINY = np.finfo(np.float64).smallest_subnormal


def reference(x: np.ndarray) -> np.ndarray:
    return torch.erfinv(torch.from_numpy(x.astype(np.float64))).numpy()


def float32_grid() -> np.ndarray:
    """Every float32 in [0.5, 1), every 1009th below 0.5 down to subnormals; both signs."""
    upper = np.arange(np.float32(0.5).view(np.int32), np.float32(1.0).view(np.int32), dtype=np.int32)
    lower = np.arange(1, np.float32(0.5).view(np.int32), 1009, dtype=np.int32)
    x = np.concatenate([lower, upper]).view(np.float32)
    return np.concatenate([x, -x])


def float64_grid() -> np.ndarray:
    """Linear over (-1, 1), log-spaced towards 0 (subnormals too) and towards ±1, the last doubles below 1."""
    x = np.concatenate(
        [
            np.linspace(0, 1, 2_000_001)[1:-1],
            np.logspace(-323, -1, 200_001),
            1 - np.logspace(-16, -1, 200_001),
            1 - np.arange(1, 5_000) * 2.0**-53,
            [TINY, 2 * TINY, 1e-310, np.finfo(np.float64).tiny, 1e-300, 1e-10, 1e-8, 1e-8 * (1 + 2**-52), 0.5],
        ]
    )
    x = x[(x > 0) & (x < 1)]
    return np.concatenate([x, -x])


GRIDS = {np.float32: float32_grid, np.float64: float64_grid}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_matches_torch_on_dense_grid(dtype):
    x = GRIDS[dtype]()
    got = _kernels.erfinv(x)
    assert got.dtype == dtype and got.shape == x.shape
    np.testing.assert_allclose(got, reference(x), rtol=RTOL[dtype], atol=ATOL[dtype])


EDGES = [
    (1.0, np.inf),
    (-1.0, -np.inf),
    (1.5, np.nan),
    (-1.0000001, np.nan),
    (np.inf, np.nan),
    (-np.inf, np.nan),
    (np.nan, np.nan),
    (0.0, 0.0),
    (-0.0, -0.0),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("x", "expected"), EDGES, ids=[repr(x) for x, _ in EDGES])
def test_edge_values(dtype, x, expected):
    got = _kernels.erfinv(np.array([x], dtype=dtype))[0]
    np.testing.assert_equal(got, dtype(expected))
    assert np.signbit(got) == np.signbit(expected) or np.isnan(expected)


def _shaped(shape, dtype):
    rng = np.random.default_rng(0)
    return rng.uniform(-1, 1, size=shape).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("shape", [(), (0,), (3, 0, 2), (1,), (7,), (2, 3, 4), (5000, 3)], ids=str)
def test_shapes(dtype, shape):
    x = _shaped(shape, dtype)
    before = x.copy()
    got = _kernels.erfinv(x)
    assert got.shape == shape and got.dtype == dtype
    np.testing.assert_allclose(got, reference(x), rtol=RTOL[dtype])
    np.testing.assert_array_equal(x, before)


LAYOUTS = {
    "transposed": lambda a: a.T,
    "strided": lambda a: a[::2, ::3],
    "reversed": lambda a: a[::-1],
    "fortran": np.asfortranarray,
    "big-endian": lambda a: a.astype(a.dtype.newbyteorder(">")),
    "readonly": lambda a: np.lib.stride_tricks.as_strided(a, writeable=False),
}


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_any_memory_layout(dtype, layout):
    x = LAYOUTS[layout](_shaped((8, 9), dtype))
    got = _kernels.erfinv(x)
    assert got.shape == x.shape and got.dtype == dtype and got.flags.c_contiguous
    np.testing.assert_allclose(got, reference(np.ascontiguousarray(x)), rtol=RTOL[dtype])


@pytest.mark.parametrize("dtype", [np.float16, np.int32, np.int64, np.bool_, np.complex64, np.complex128, object])
def test_other_dtypes_raise_type_error(dtype):
    with pytest.raises(TypeError, match=r"symreg\._kernels\.erfinv: expected a float32 or float64 array, got dtype"):
        _kernels.erfinv(np.zeros(3, dtype=dtype))
