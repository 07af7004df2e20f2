"""Every native op of libsymreg_ort.so, fuzzed through ONNX Runtime in every ISA build.

Each case either matches the PyTorch reference (values within the op's stated tolerance,
NaN and ±inf exactly) or fails in ORT with an error naming the op and what is wrong. Cases
run in worker processes (tests/fuzz/fuzz_pool.py): a crash or hang fails the test with the
reproducing spec instead of killing pytest. Hypothesis runs derandomized (the same cases on
every run) with a fixed budget; ``SYMREG_FUZZ_EXAMPLES=2000`` for a long run (``make fuzz``).
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from fuzz_ops import FUZZ_OPS, budget
from fuzz_pool import WorkerDied
from hypothesis import HealthCheck, given, settings

from symreg import _kernels

NATIVE_OPS = list(_kernels.NATIVE_OPS)


def test_every_native_op_has_a_fuzz_strategy():
    missing = [op for op in NATIVE_OPS if op not in FUZZ_OPS]
    assert not missing, f"native ops without a fuzz strategy: {missing}; add them to tests/fuzz/fuzz_ops.py"
    assert not set(FUZZ_OPS) - set(NATIVE_OPS), f"fuzz strategies for ops the library lacks: {set(FUZZ_OPS) - set(NATIVE_OPS)}"


def _reference(entry, spec, case, pool, isa) -> list:
    """The reference outputs of ``case``: from torch's own build of ``isa``'s kind where given."""
    try:
        ref = pool.reference(case, isa)
    except WorkerDied as e:
        raise AssertionError(f"the reference ({entry.name}) crashed on {spec!r}: {e}") from None
    assert ref["status"] == "ok", f"the reference failed on {spec!r}: {ref['message']}"
    return ref["outputs"]


def check(entry, spec, pool) -> None:
    case = entry.build(spec)
    expected = entry.problems(spec, case)
    want = None
    if not expected and not entry.per_isa_reference:
        want = _reference(entry, spec, case, pool, None)
    for isa in pool.isas:
        what = f"{entry.name} [{isa}] {spec!r}"
        if not expected and entry.per_isa_reference:
            want = _reference(entry, spec, case, pool, isa)
        try:
            result = pool.run(isa, case)
        except WorkerDied as e:
            pool.count(entry.name, isa, "crash")
            raise AssertionError(f"{what}: ORT {e}") from None
        if expected:
            assert result["status"] == "error", f"{what}: ran, but should fail with one of {expected}"
            message = result["message"]
            op_type = entry.name.split("::")[1]
            assert op_type in message, f"{what}: the error does not name the op: {message}"
            assert any(re.search(p, message) for p in expected), f"{what}: error {message!r}, want one of {expected}"
            pool.count(entry.name, isa, "refused")
            continue
        known = [k for k in entry.known if k[2](spec, case)]
        try:
            assert result["status"] == "ok", f"{what}: failed: {result['message']}"
            entry.compare(spec, case, result["outputs"], want, what)
        except AssertionError as e:
            if not known:
                raise
            pool.count(entry.name, isa, f"known:{known[0][0]}")
            pool.known.setdefault(known[0][0], f"{known[0][1]}; e.g. {e}")
            continue
        pool.count(entry.name, isa, "matched")
        for k in known:
            pool.known_passed[k[0]] = pool.known_passed.get(k[0], 0) + 1


@pytest.mark.parametrize("op", NATIVE_OPS)
def test_fuzz(op, pool):
    if op not in FUZZ_OPS:
        pytest.fail(f"{op} has no fuzz strategy in tests/fuzz/fuzz_ops.py")
    entry = FUZZ_OPS[op]

    @settings(max_examples=budget(op), derandomize=True, database=None, deadline=None, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(entry.specs())
    def fuzz(spec):
        check(entry, spec, pool)

    pool.known, pool.known_passed = {}, {}
    with np.errstate(all="ignore"):
        fuzz()
    fixed = [k[0] for k in entry.known if pool.known_passed.get(k[0]) and k[0] not in pool.known]
    assert not fixed, f"known findings {fixed} no longer reproduce: remove them from KNOWN_FINDINGS"
    if pool.known:
        pytest.xfail("; ".join(f"known finding {k}: {text}" for k, text in pool.known.items()))


# Found by this harness, outside the kernels: ORT's schema for the lite API's ops allows 0
# inputs, and the lite glue then failed at the first run with "invalid indice for
# Ort::Custom::Tensor"; csrc/ort/register.cc now checks a lite op's inputs at session creation.
def test_node_without_its_input_names_the_missing_input(pool):
    result = pool.run(pool.isas[0], {"op": "symreg::Erfinv", "inputs": [], "attrs": {}, "threads": 1})
    assert result["status"] == "error"
    assert re.search(r"symreg::Erfinv: input \w+ is missing", result["message"]), result["message"]
