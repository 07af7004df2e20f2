"""The float32 lgamma kernel (csrc/kernels/special/lgamma_impl.h) in every ISA build, and lgamma_r.

Each build (AVX-512, AVX2 + FMA, baseline, as this CPU runs them) runs in a process of its own
(SYMREG_CPU_ISA picks the build for the process) on the same floats: every 1999th float in
[-20, 40], every float within 4096 steps of lgamma's zeros (1, 2 and the first negative ones, where
relative error is what counts), a log sweep up to FLT_MAX and the edge values. All builds must agree
bit for bit and be within 1 ulp of math.lgamma (float64) rounded to float32. The kernel table
(tests/kernels/kernel_table.py) compares the op with torch; this compares it with the float64 truth.
"""

from __future__ import annotations

import ctypes
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from symreg import _kernels

ISAS = _kernels.cpu_isas()  # best first
F32 = np.finfo(np.float32)
#: lgamma's zeros: 1, 2 and the negative ones down to -6 (bisected with math.lgamma)
ZEROS = [
    1.0, 2.0, -2.457024738220801, -2.7476826467274127, -3.1435808883499803, -3.9552942848585984,
    -4.039361839740537, -4.991544640560048, -5.008218168322594, -5.998607480080876, -6.001385294453155,
]  # fmt: skip
EDGES = [0.0, -0.0, -1.0, -2.0, -3.0, -1e10, -F32.max, F32.max, np.inf, -np.inf, np.nan, F32.smallest_subnormal,
         -F32.smallest_subnormal, F32.tiny, 1.0, 2.0, 3.0, 0.5, -0.5, -2.5, 4.04e36, 4.09e36, 4.1e36]  # fmt: skip


def _ordered(x: np.ndarray) -> np.ndarray:
    """float32 -> int64 in the floats' order (adjacent floats differ by 1; -0 and 0 both 0)."""
    i = x.view(np.int32).astype(np.int64)
    return np.where(i < 0, -(i & 0x7FFFFFFF), i)


def _floats(ordered: np.ndarray) -> np.ndarray:
    return np.where(ordered < 0, (-ordered) | np.int64(0x80000000), ordered).astype(np.uint32).view(np.float32)


def _inputs() -> np.ndarray:
    lo, hi = _ordered(np.array([-20.0, 40.0], np.float32))
    windows = [np.arange(c - 4096, c + 4097) for c in _ordered(np.array(ZEROS, np.float32))]
    sweep = _floats(np.concatenate([np.arange(lo, hi + 1, 1999), *windows]))
    large = np.geomspace(40, F32.max, 20000).astype(np.float32)
    return np.concatenate([sweep, large, np.array(EDGES, np.float32)])


def _math_lgamma(x: float) -> float:
    try:
        return math.lgamma(x)
    except ValueError:  # the poles
        return math.inf


_RUN = (
    "import sys, numpy as np; from symreg import _kernels; np.save(sys.argv[2], _kernels.lgamma(np.load(sys.argv[1])))"
)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The inputs and each build's float32 lgamma of them."""
    folder = tmp_path_factory.mktemp("lgamma")
    x = _inputs()
    np.save(folder / "x.npy", x)
    out = {}
    for isa in ISAS:
        env = {**os.environ, "SYMREG_CPU_ISA": isa}
        # not from the repository root, whose symreg/ is the source tree (no compiled parts)
        args = [sys.executable, "-c", _RUN, str(folder / "x.npy"), str(folder / f"{isa}.npy")]
        done = subprocess.run(args, env=env, capture_output=True, text=True, cwd=Path(__file__).parent, check=False)
        assert done.returncode == 0, done.stderr
        out[isa] = np.load(folder / f"{isa}.npy")
    return x, out


def test_every_build_is_within_one_ulp_of_the_correctly_rounded_value(results):
    x, out = results
    with np.errstate(over="ignore"):
        want = np.frompyfunc(_math_lgamma, 1, 1)(x.astype(np.float64)).astype(np.float64).astype(np.float32)
    for isa, got in out.items():
        assert got.dtype == np.float32 and got.shape == x.shape
        nan = np.isnan(want)
        np.testing.assert_array_equal(np.isnan(got), nan, err_msg=f"{isa}: NaN where math.lgamma has none or not")
        inf = np.isinf(want)
        np.testing.assert_array_equal(got[inf], want[inf], err_msg=f"{isa}: inf (poles, overflow) where the truth is")
        finite = ~nan & ~inf
        ulps = np.abs(_ordered(got[finite]) - _ordered(want[finite]))
        worst = int(np.argmax(ulps))
        assert ulps[worst] <= 1, (
            f"{isa}: lgamma({x[finite][worst]!r}) = {got[finite][worst]!r}, want {want[finite][worst]!r}"
        )


def test_exact_values(results):
    """0 at 1 and 2, +inf at the poles (both zeros, negative integers) and at both infinities, NaN for NaN."""
    x, out = results
    exact = {1.0: 0.0, 2.0: 0.0, 0.0: math.inf, -1.0: math.inf, -2.0: math.inf, -3.0: math.inf, -1e10: math.inf,
             float(-F32.max): math.inf, math.inf: math.inf, -math.inf: math.inf}  # fmt: skip
    assert np.any((x == 0) & np.signbit(x)) and np.any((x == 0) & ~np.signbit(x))
    for isa, got in out.items():
        for value, want in exact.items():
            at = x == np.float32(value)  # 0.0: both zeros
            assert at.any() and np.all(got[at] == want), f"{isa}: lgamma({value}) = {got[at]}, want {want}"
        assert np.all(np.isnan(got[np.isnan(x)])), isa


def test_every_build_gives_the_same_bits(results):
    _, out = results
    best, *others = ISAS
    for isa in others:
        np.testing.assert_array_equal(out[isa].view(np.uint32), out[best].view(np.uint32), err_msg=f"{isa} vs {best}")


def test_the_result_does_not_depend_on_the_position():
    """A value gives the same result at any offset (the packet loop, the padded tail) and in any array length."""
    x = _inputs()[:4099]
    whole = _kernels.lgamma(x)
    for start in range(17):
        np.testing.assert_array_equal(_kernels.lgamma(x[start:]).view(np.uint32), whole[start:].view(np.uint32))
    one_by_one = np.concatenate([_kernels.lgamma(x[i : i + 1]) for i in range(0, 200)])
    np.testing.assert_array_equal(one_by_one.view(np.uint32), whole[:200].view(np.uint32))


def test_the_kernels_leave_signgam_alone():
    """std::lgamma writes the C library's global signgam (a data race between ORT's threads): the kernels call
    lgamma_r, which returns the sign instead; math.lgamma (Python's own) does not touch it either."""
    try:
        signgam = ctypes.c_int.in_dll(ctypes.CDLL(None), "signgam")
    except ValueError:
        pytest.skip("this C library exports no signgam")
    x = np.array([-2.5, -0.5, 0.5, -3.5], np.float64)  # gamma < 0 at -0.5 and -2.5: std::lgamma sets -1
    signgam.value = 12345
    _kernels.lgamma(x)
    _kernels.lgamma(x.astype(np.float32))
    _kernels.igamma(np.abs(x), np.array([0.3, 1.0, 7.0, 2.0]))
    _kernels.igammac(np.abs(x).astype(np.float32), np.array([0.3, 1.0, 7.0, 2.0], np.float32))
    assert signgam.value == 12345
