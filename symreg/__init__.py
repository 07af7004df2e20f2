"""symreg: export PyTorch models that ``torch.onnx`` refuses, and run them in ONNX Runtime.

One decorator registers an ONNX export rule for both PyTorch exporters::

    @symreg.op("aten::sinh", opset=9)
    def sinh(g, x):
        return g.op("Sinh", x)

Importing symreg registers its built-in op pack (:mod:`symreg.ops`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from symreg import debug, ort
from symreg._dynamo import translation_table
from symreg._torchscript import MIRROR as _MIRROR  # noqa: F401 - mirrors rules into torch
from symreg._typing import params_of
from symreg.builder import Builder, TensorInfo
from symreg.errors import ConstantArgumentError, ExportError
from symreg.export import export
from symreg.pykernels import KernelError, PyKernel, kernel, kernels, unregister_kernel
from symreg.registry import REGISTRY, Rule, check_name, check_opset
from symreg.schemas import Schema, same_as_input, schema
from symreg.verify import verify

__version__ = "0.1.0"
__all__ = [
    "Builder",
    "ConstantArgumentError",
    "ExportError",
    "KernelError",
    "PyKernel",
    "Rule",
    "Schema",
    "TensorInfo",
    "debug",
    "export",
    "kernel",
    "kernels",
    "lowerings",
    "op",
    "ort",
    "rules",
    "same_as_input",
    "schema",
    "scope",
    "set_lowering",
    "translation_table",
    "unregister",
    "unregister_kernel",
    "verify",
]


def op(
    name: str,
    opset: int = 1,
    *,
    replace: bool = False,
    args: str | None = None,
    lowerings: tuple[str, ...] = (),
) -> Callable:
    """Registers the decorated function as the export rule of op ``name`` at opsets >= ``opset``.

    The rule is called as ``fn(g, *arguments)`` with the :class:`Builder` ``g`` and
    the op's arguments in the op's order. Tensor parameters are left unannotated;
    constant parameters are annotated ``int``, ``float``, ``bool``, ``str``,
    ``list[int]``, ``list[float]`` or ``Optional[...]`` of those and arrive as plain
    Python values under both exporters. ``args`` is an alternative ``parse_args``
    style description ("v,i,f,b,s,is,fs"; a trailing "?" allows None).

    Several rules per op may exist at different opsets; the highest one <= the
    export opset wins. Registering the same (name, opset) twice raises
    ``ValueError`` unless ``replace=True``.

    A rule that can lower its op in several ways names them in ``lowerings``; users
    force one with :func:`set_lowering` or ``symreg.export(lowerings=...)``, and the
    rule reads the choice from ``g.lowering`` (None: its own default).

    Raises:
        ValueError: malformed ``name``, ``opset`` outside what the installed onnx
            supports, or a duplicate rule.
        TypeError: a rule parameter with an unsupported annotation.
    """
    check_name(name, "symreg.op")
    check_opset(name, opset, "symreg.op")
    if name.split("::")[0] == "onnx":
        raise ValueError(f"symreg.op({name!r}): the onnx namespace cannot take rules; use the torch op's name")

    def decorate(fn: Callable) -> Callable:
        if not callable(fn):
            raise TypeError(f"symreg.op({name!r}) decorates a function, got {fn!r}")
        if isinstance(lowerings, str) or not all(isinstance(x, str) and x for x in lowerings):
            raise TypeError(f"symreg.op({name!r}): lowerings must be a tuple of names, got {lowerings!r}")
        REGISTRY.add(Rule(name, opset, fn, params_of(name, fn, args), tuple(lowerings)), replace=replace)
        return fn

    return decorate


def unregister(name: str, opset: int | None = None) -> None:
    """Removes the rule of ``name`` at ``opset`` (all of its rules when None).

    torch's own state for the op is restored: an op torch cannot export fails again
    with torch's usual unsupported-operator error. Raises ``KeyError`` if no such rule.
    """
    check_name(name, "symreg.unregister")
    REGISTRY.remove(name, opset)


def set_lowering(name: str, lowering: str | None) -> None:
    """Forces ``lowering`` for op ``name`` in every later export (None: the rule's default).

    ``symreg.lowerings(name)`` lists the choices; ``symreg.export(lowerings=...)``
    overrides this for one export. Raises ``ValueError`` for an unknown lowering.
    """
    check_name(name, "symreg.set_lowering")
    REGISTRY.prefer(name, lowering)


def lowerings(name: str) -> tuple[str, ...]:
    """The lowerings of op ``name`` that a user can force (empty if it has one)."""
    check_name(name, "symreg.lowerings")
    return REGISTRY.lowerings(name)


@contextlib.contextmanager
def scope() -> Iterator[None]:
    """Restores the rules, forced lowerings, schemas, Python kernels and torch's registrations on exit::

    with symreg.scope():
        symreg.op("aten::sinh", opset=9, replace=True)(my_sinh)
        ...  # export with my_sinh
    # the previous aten::sinh rule is back
    """
    from symreg import pykernels as _pykernels
    from symreg import schemas as _schemas

    rules_before = REGISTRY.snapshot()
    schemas_before = _schemas.snapshot()
    kernels_before = _pykernels.snapshot()
    try:
        yield
    finally:
        REGISTRY.restore(rules_before)
        _schemas.restore(schemas_before)
        _pykernels.restore(kernels_before)


def rules() -> dict[str, tuple[int, ...]]:
    """Every registered op name and the opsets its rules start at."""
    return {name: REGISTRY.opsets(name) for name in REGISTRY.names()}


from symreg import ops as _ops  # noqa: E402,F401 - registers the built-in op pack
