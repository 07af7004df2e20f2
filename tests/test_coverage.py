"""The committed op-coverage report against its baseline and against the installed symreg.

The sweep (``scripts/coverage.py``, one to two hours) is not run here; these checks take seconds:

- every (op, run) that passes with symreg in ``tests/ops/coverage_baseline.json`` still
  passes in ``docs/coverage.json``;
- ``docs/coverage.json`` is a whole sweep, and ``docs/coverage.md`` is what it renders to;
- every op that the report says passes only with symreg still does, with the installed
  symreg (its first sample, re-run here);
- the pieces these checks rest on (the regression check, the comparison criteria, the
  worker pool's crash and timeout handling) catch what they are meant to catch.
"""

from __future__ import annotations

import contextlib
import copy
import importlib.util
import json
import math
import os
import random
import signal
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts" / "coverage"))  # the script's modules

import cov_pool
import cov_report

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "coverage.py"
DOC = json.loads((REPO / "docs" / "coverage.json").read_text())
MARKDOWN = (REPO / "docs" / "coverage.md").read_text()
BASELINE = json.loads((REPO / "tests" / "ops" / "coverage_baseline.json").read_text())
#: torch 2.14's op_db has 703 entries, 669 of them deterministic, and ~960 (op, run) pairs pass
#: with symreg: far fewer ops or passes means a broken or partial sweep or baseline.
MIN_OPS = 500
MIN_BASELINE_PASSES = 500
CLAIMS = cov_report.gained(DOC)
INVESTIGATE = ".venv/bin/python scripts/coverage.py --ops {op} --runs {run}"


@pytest.fixture(scope="module")
def script():
    """``scripts/coverage.py`` as a module (it imports torch)."""
    spec = importlib.util.spec_from_file_location("symreg_coverage_script", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ops(script):
    return script.cov_ops.load_ops()


def test_report_is_a_whole_sweep(script):
    assert set(DOC["runs"]) == set(script.cov_ops.RUNS), "docs/coverage.json lacks runs: rerun `make coverage`"
    assert set(DOC["modes"]) == set(script.cov_ops.MODES), "docs/coverage.json lacks modes: rerun `make coverage`"
    assert len(DOC["ops"]) >= MIN_OPS, f"docs/coverage.json has {len(DOC['ops'])} ops, expected >= {MIN_OPS}"
    for op, entry in DOC["ops"].items():
        for run in script.cov_ops.RUNS:
            for mode in script.cov_ops.MODES:
                assert entry["results"][run][mode]["outcome"] in script.cov_ops.OUTCOMES, (op, run, mode)
    assert CLAIMS, "docs/coverage.json says symreg makes no op pass: a broken sweep?"


def test_baseline_passes_still_pass():
    passes = sum(len(runs) for runs in BASELINE["pass_with_symreg"].values())
    assert passes >= MIN_BASELINE_PASSES, f"the baseline holds {passes} passes, expected >= {MIN_BASELINE_PASSES}"
    lost = cov_report.regressions(BASELINE, DOC)
    assert not lost, "passed in tests/ops/coverage_baseline.json, not in docs/coverage.json:\n" + "\n".join(
        f"  {op} {run}: now {now}; investigate: {INVESTIGATE.format(op=op, run=run)}" for op, run, now in lost
    )


def test_markdown_is_rendered_from_json():
    assert cov_report.render(DOC) == MARKDOWN, (
        "docs/coverage.md is not what docs/coverage.json renders to (edited by hand, or stale): "
        "run `.venv/bin/python scripts/coverage.py --report-only`"
    )


@pytest.mark.parametrize(("op", "run"), CLAIMS, ids=[f"{op}-{run}" for op, run in CLAIMS])
def test_symreg_claim_holds(script, ops, op, run):
    """The report says ``op`` passes ``run`` only with symreg: its first sample must pass with this symreg."""
    with _generators_kept():
        result = script.cov_ops.check(ops[op], run, "symreg", samples=1)
    assert result.get("outcome") == "pass", (
        f"{op} {run} with symreg: {result}; investigate: {INVESTIGATE.format(op=op, run=run)}"
    )


@contextlib.contextmanager
def _generators_kept():
    """The check seeds torch's, Python's and NumPy's generators; other tests find them as they were."""
    import numpy as np
    import torch

    python_state, numpy_state = random.getstate(), np.random.get_state()
    with torch.random.fork_rng():
        yield
    random.setstate(python_state)
    np.random.set_state(numpy_state)


# --- the checks themselves ---------------------------------------------------------------------


def test_openvino_column_is_rendered():
    """A document with OpenVINO results (mode "openvino" on run ts17) gets its column and a total; one without, not."""
    doc = copy.deepcopy(DOC)
    doc.pop("openvino", None)
    doc["versions"].pop("openvino", None)
    for entry in doc["ops"].values():
        entry["results"]["ts17"].pop("openvino", None)
    without = copy.deepcopy(doc)
    doc["openvino"] = {"run": "ts17"}
    doc["versions"]["openvino"] = "2026.4.1"
    for i, entry in enumerate(doc["ops"].values()):
        cell = dict(entry["results"]["ts17"]["symreg"])
        entry["results"]["ts17"]["openvino"] = cell if i % 2 else {**cell, "outcome": "ort-fail", "reason": "no rule"}
    page = cov_report.render(doc)
    in_ort = [op for op in doc["ops"] if cov_report.outcome(doc, op, "ts17", "symreg") == "pass"]
    both = [op for op in in_ort if cov_report.outcome(doc, op, "ts17", "openvino") == "pass"]
    assert 0 < len(both) < len(in_ort)
    assert f"of the {len(in_ort)} ops whose `ts17` model with symreg passes in ONNX Runtime, {len(both)} also" in page
    assert "ts17 +symreg in OpenVINO |" in page.split("## All ops")[1]
    assert cov_report.columns(doc)[-1] == ("ts17", "openvino")
    assert ("ts17", "openvino") not in cov_report.columns(without)
    assert "in OpenVINO" not in cov_report.render(without)


def test_regressions_are_found():
    op, runs = next(iter(sorted(BASELINE["pass_with_symreg"].items())))
    doc = copy.deepcopy(DOC)
    doc["ops"][op]["results"][runs[0]]["symreg"]["outcome"] = "mismatch"
    assert cov_report.regressions(BASELINE, doc)[0] == (op, runs[0], "mismatch")
    assert cov_report.render(doc) != MARKDOWN
    del doc["ops"][op]
    assert [(o, r) for o, r, _ in cov_report.regressions(BASELINE, doc)] == [(op, r) for r in runs]


@pytest.mark.parametrize(
    ("got", "want", "ok"),
    [
        ([1.0, math.nan, math.inf], [1.0005, math.nan, math.inf], True),  # within rtol 1e-3; NaN, inf in place
        ([0.0], [5e-5], True),  # within atol
        ([1.0], [1.01], False),
        ([math.nan, 1.0], [1.0, math.nan], False),  # NaN elsewhere
        ([math.inf], [-math.inf], False),
        ([1e30], [math.inf], False),
    ],
)
def test_compare_criteria(script, got, want, ok):
    import numpy as np
    import torch

    reason = script.cov_ops.compare([np.array(got, dtype=np.float32)], [torch.tensor(want, dtype=torch.float32)])
    assert (reason is None) == ok, reason


def test_compare_wants_same_dtype_shape_and_count(script):
    import numpy as np
    import torch

    compare, x = script.cov_ops.compare, torch.zeros(2, 3)
    assert "dtype" in compare([np.zeros((2, 3), np.float64)], [x])
    assert "shape" in compare([np.zeros((3, 2), np.float32)], [x])
    assert "outputs" in compare([np.zeros((2, 3), np.float32)] * 2, [x])
    assert "differ" in compare([np.array([1, 2])], [torch.tensor([1, 3])])


def test_sweep_stops_when_symreg_is_reinstalled(script, monkeypatch):
    check = script.watch_symreg(script.symreg_hash())
    check(force=True)
    monkeypatch.setattr(script, "symreg_hash", lambda: "0" * 64)
    with pytest.raises(script.SymregChanged):
        check(force=True)


def test_torch_results_are_seeded_from_the_document_of_the_same_fingerprint(script, tmp_path):
    doc = {
        "fingerprints": {"torch": "f" * 64},
        "criteria": {"samples": 3},
        "runs": {"ts11": {}, "ts17": {}},
        "ops": {"abs": {"samples": 2, "results": {"ts11": {"torch": {"outcome": "pass"}, "symreg": {}}}}},
        "excluded": {"rand": "random"},
    }
    path = tmp_path / "coverage.json"
    path.write_text(json.dumps(doc))
    cache = script.Cache(tmp_path / "cache", "torch", "f" * 64)
    cache.put(("rand", "ts17", 3), {"outcome": "pass"})  # already cached: kept
    assert script.seed_from_document(cache, path, "f" * 64, 3) == 2
    assert cache.results[("abs", "ts11", 3)] == {"outcome": "pass", "samples": 2}
    assert cache.results[("rand", "ts11", 3)] == {"excluded": "random"}
    assert cache.results[("rand", "ts17", 3)] == {"outcome": "pass"}
    assert script.Cache(tmp_path / "cache", "torch", "f" * 64).results == cache.results  # written through
    fresh = script.Cache(None, "torch", "e" * 64)
    assert script.seed_from_document(fresh, path, "e" * 64, 3) == 0  # another fingerprint
    assert script.seed_from_document(fresh, path, "f" * 64, 1) == 0  # another sample count
    assert fresh.results == {}


def _pool_init() -> None:
    return None


def _pool_task(state: None, task: str, stage) -> str:
    """Worker side of :func:`test_pool_survives_crashes_and_hangs`."""
    stage("export")
    if task == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if task == "raise":
        raise ValueError("boom")
    if task == "hang":
        stage("ort")
        time.sleep(600)
    return task.upper()


def test_pool_survives_crashes_and_hangs():
    results = {}
    cov_pool.run(
        ["a", "crash", "hang", "raise", "b", "c"],
        init=_pool_init,
        init_args=(),
        handle=_pool_task,
        on_result=results.__setitem__,
        jobs=2,
        timeout=3,
        max_tasks=2,
    )
    assert results == {
        "a": "A",
        "crash": cov_pool.Lost("export", "worker crashed (SIGSEGV)"),
        "hang": cov_pool.Lost("ort", "timed out after 3 s"),
        "raise": cov_pool.Lost("export", "worker raised ValueError: boom"),
        "b": "B",
        "c": "C",
    }
