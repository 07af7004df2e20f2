"""The examples users copy from run as written (each prints its max error and asserts it)."""

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("script,expected", [("quickstart.py", "max abs error"), ("deform_conv.py", "max abs error")])
def test_example_runs(script, expected, tmp_path):
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(expected) == 4, result.stdout
