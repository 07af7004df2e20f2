"""The linalg kernels' every build (csrc/kernels/linalg/*_impl.h: AVX2 + FMA, baseline), not only the one this CPU
runs by default.

The builds are chosen per process (SYMREG_CPU_ISA caps the choice; kernels/linalg/isa.h): the kernel table's linalg
entries (tests/kernels/test_kernel_table.py -k Linalg, pybind and ORT) run again in a process per build that the
default process does not run, against torch with the same tolerances.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from symreg import _kernels

ISAS = _kernels.cpu_isas()  # best first
HERE = Path(__file__).parent


def _linalg_build(isa: str) -> str:
    """The linalg build that runs under ISA `isa`: there is no AVX-512 one (it measured no faster than AVX2)."""
    return "avx2" if isa in ("avx512", "avx2") else "baseline"


# one ISA per linalg build that the default process (ISAS[0]) does not run
OTHER_BUILDS = {_linalg_build(isa): isa for isa in reversed(ISAS) if _linalg_build(isa) != _linalg_build(ISAS[0])}

_RUN = """
import sys, numpy as np
from symreg import _kernels
rng = np.random.default_rng(0)
a = rng.standard_normal((3, 120, 90)).astype(np.float32)
spd = (a @ np.swapaxes(a, -1, -2) + 120 * np.eye(120)).astype(np.float32)
q, r = _kernels.linalg_qr(a, False)
np.savez(sys.argv[1], q=q, r=r, l=_kernels.linalg_cholesky(spd, False)[0], w=_kernels.linalg_eigh(spd, False)[0],
         s=_kernels.linalg_svd(a, False)[0])
"""


def _outputs(isa: str | None, path: Path) -> dict[str, np.ndarray]:
    env = {k: v for k, v in os.environ.items() if k != "SYMREG_CPU_ISA"}
    if isa is not None:
        env["SYMREG_CPU_ISA"] = isa
    # not from the repository root, whose symreg/ is the source tree (no compiled parts)
    done = subprocess.run([sys.executable, "-c", _RUN, str(path)], env=env, cwd=HERE, capture_output=True, text=True,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    with np.load(path) as saved:
        return dict(saved)


@pytest.mark.skipif(not OTHER_BUILDS, reason="this CPU runs the baseline build alone")
@pytest.mark.parametrize("build", sorted(OTHER_BUILDS))
def test_the_environment_reaches_the_linalg_build(build, tmp_path):
    """Two builds round differently (FMA, packet widths) on matrices past Eigen's block sizes: if SYMREG_CPU_ISA
    did not change the build, the outputs would be bit-identical. Both stay close (the kernel table checks torch)."""
    default, other = _outputs(None, tmp_path / "default.npz"), _outputs(OTHER_BUILDS[build], tmp_path / "other.npz")
    assert any(not np.array_equal(default[k], other[k]) for k in default), f"{build}: the same bits as the default"
    for k in default:
        np.testing.assert_allclose(other[k], default[k], rtol=1e-3, atol=1e-3, err_msg=k)


@pytest.mark.skipif(not OTHER_BUILDS, reason="this CPU runs the baseline build alone")
@pytest.mark.parametrize("build", sorted(OTHER_BUILDS))
def test_kernel_table_under_each_build(build):
    env = {**os.environ, "SYMREG_CPU_ISA": OTHER_BUILDS[build]}
    args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-x", str(HERE / "test_kernel_table.py"),
            "-k", "Linalg"]  # fmt: skip
    done = subprocess.run(args, env=env, cwd=HERE, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout, done.stdout[-2000:]
