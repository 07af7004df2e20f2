"""Every build of the deform_conv2d kernel this CPU runs (AVX-512, AVX2 + FMA, baseline), not only the best.

The kernel picks its build at run time; ``isa=`` forces one per call and the environment
variable SYMREG_CPU_ISA caps the process-wide choice (checked here for the pybind module
and, in tests/test_deform_conv2d_ort.py, for ONNX Runtime).
"""

import os
import platform
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from deform_conv2d_cases import ATOL, CASES, inputs, reference

from symreg import _kernels

ISAS = _kernels.cpu_isas()  # best first
DTYPES = [np.float32, np.float64]
# max abs difference between two builds on one input: float rounding (FMA or not, GEMM blocking)
ISA_ATOL = {np.float32: 1e-5, np.float64: 1e-12}


def run(case, args, isa):
    return _kernels.deform_conv2d(
        args["x"], args["weight"], args["offset"], args["mask"], args["bias"], case.strides, case.pads,
        case.dilations, case.group, case.offset_group, isa=isa,
    )


def _expected_isas() -> list[str]:
    """What /proc/cpuinfo says this CPU runs, in cpu_isas()'s order."""
    if platform.machine().lower() not in ("x86_64", "amd64", "i386", "i686"):
        return ["baseline"]
    flags = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    avx2 = {"avx2", "fma"} <= flags
    avx512 = avx2 and {"avx512f", "avx512dq", "avx512vl", "avx512bw"} <= flags
    return ["avx512"] * avx512 + ["avx2"] * avx2 + ["baseline"]


def test_every_isa_of_the_cpu_is_built():
    """A build that lost its AVX2 or AVX-512 objects would otherwise test fewer ISAs and pass."""
    assert ISAS == _expected_isas()


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
@pytest.mark.parametrize("isa", ISAS)
def test_matches_torchvision(isa, case, dtype):
    args = inputs(case, dtype)
    got = run(case, args, isa)
    expected = reference(case, **args)
    assert got.dtype == dtype and got.shape == expected.shape
    if got.size:
        assert np.abs(got - expected).max() <= ATOL[dtype]


@pytest.mark.parametrize("dtype", DTYPES, ids=["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_isas_agree(case, dtype):
    args = inputs(case, dtype)
    best, *others = (run(case, args, isa) for isa in ISAS)
    for isa, got in zip(ISAS[1:], others):
        assert np.abs(got - best).max(initial=0) <= ISA_ATOL[dtype], f"{isa} vs {ISAS[0]}"


def test_isa_none_is_the_process_choice():
    case = CASES[0]
    args = inputs(case)
    np.testing.assert_array_equal(run(case, args, None), run(case, args, _kernels.cpu_isa()))


@pytest.mark.parametrize("isa", ["sse", "AVX2", ""])
def test_unknown_isa_is_a_value_error(isa):
    args = inputs(CASES[0])
    problem = f'isa must be "avx512", "avx2", "baseline" or None, got "{isa}"'
    with pytest.raises(ValueError, match="^" + re.escape("symreg._kernels.deform_conv2d: " + problem) + "$"):
        _kernels.deform_conv2d(args["x"], args["weight"], args["offset"], isa=isa)


@pytest.mark.parametrize(
    ("value", "expected"),
    # each ISA the CPU runs: tests/test_deform_conv2d_ort.py::test_environment_picks_the_isa
    [("", ISAS[0]), ("avx3", ISAS[0])],  # unset; unknown (ignored)
    ids=lambda v: v or "unset",
)
def test_environment_caps_the_process_choice(value, expected):
    env = {k: v for k, v in os.environ.items() if k != "SYMREG_CPU_ISA"}
    if value:
        env["SYMREG_CPU_ISA"] = value
    code = "from symreg import _kernels; print(_kernels.cpu_isa())"
    # not from the repository root, whose symreg/ is the source tree (no compiled parts)
    out = subprocess.run(
        [sys.executable, "-c", code], check=False, env=env, capture_output=True, text=True, cwd=Path(__file__).parent
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == expected
