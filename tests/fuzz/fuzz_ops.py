"""The fuzz table: one entry per native op of libsymreg_ort.so, keyed by its qualified name.

An entry says how to draw cases (a hypothesis strategy of specs whose repr reproduces the
case), build the arrays, predict the error of an invalid one, compute the PyTorch reference
(in the reference worker) and compare. A native op missing here fails
tests/fuzz/test_fuzz.py by name.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
from collections.abc import Callable

import fuzz_deform_conv2d
import fuzz_erfinv
import fuzz_linalg
import fuzz_scans
import fuzz_special
from fuzz_common import model_bytes  # noqa: F401 - the workers' entry point


@dataclasses.dataclass(frozen=True)
class OpFuzz:
    name: str  # "symreg::Erfinv"
    specs: Callable  # () -> hypothesis strategy of specs
    build: Callable  # spec -> case dict
    problems: Callable  # (spec, case) -> regular expressions; [] when valid
    reference: Callable  # case -> expected outputs (runs in the reference worker)
    compare: Callable  # (spec, case, got, want, what) -> None or AssertionError
    known: tuple = ()  # (id, what, predicate(spec, case)): kernel bugs found and not fixed yet
    per_isa_reference: bool = False  # the reference runs in torch's build of each ISA's kind (Pool.reference)


def _entry(module) -> OpFuzz:
    problems = module.problems
    if len(inspect.signature(problems).parameters) == 1:
        problems = lambda spec, case, f=module.problems: f(spec)  # noqa: E731
    known = tuple(getattr(module, "KNOWN_FINDINGS", ()))
    per_isa = bool(getattr(module, "REFERENCE_PER_ISA", False))
    return OpFuzz(module.NAME, module.specs, module.build, problems, module.reference, module.compare, known, per_isa)


#: a module per op, or one object per op of a family (fuzz_special.OPS, fuzz_linalg.OPS: the same attributes)
FUZZ_OPS: dict[str, OpFuzz] = {
    e.name: e
    for e in map(_entry, [fuzz_deform_conv2d, fuzz_erfinv, *fuzz_special.OPS, *fuzz_linalg.OPS, *fuzz_scans.OPS])
}

#: examples per op in `make test` (each run on every ISA build): ~40 s in all on two busy cores,
#: 20 per special function (30 of them), 25 per linalg kernel (small matrices: fast) and 30 per scan kernel
DEFAULT_EXAMPLES = {
    "symreg::DeformConv2d": 120,
    "symreg::Erfinv": 60,
    **{op.NAME: fuzz_special.EXAMPLES for op in fuzz_special.OPS},
    **{op.NAME: 25 for op in fuzz_linalg.OPS},
    **{op.NAME: 30 for op in fuzz_scans.OPS},
}


def budget(op: str) -> int:
    """Examples to draw for ``op``: SYMREG_FUZZ_EXAMPLES when set (``make fuzz``), else the fixed budget."""
    env = os.environ.get("SYMREG_FUZZ_EXAMPLES")
    return int(env) if env else DEFAULT_EXAMPLES.get(op, 60)
