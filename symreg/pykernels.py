"""Python-prototyped kernels: run a custom-domain op in ONNX Runtime before its C++ kernel exists.

``@symreg.kernel("mydomain::MyOp")`` registers a NumPy function that ORT executes through
onnxruntime-extensions' PyOp; :func:`symreg.ort.InferenceSession` uses it for every node of
that op that no native kernel (ORT's own or ``libsymreg_ort.so``) serves. For prototyping
only: every call copies the inputs and outputs and takes the GIL, ORT cannot run the op in
parallel, and serving needs Python and onnxruntime-extensions in the process. Ship a C++
kernel (``libsymreg_ort.so``) once the op works.

How the kernels reach ONNX Runtime (one PyOp per type signature, each in a private domain,
nodes mapped in memory, errors caught before they abort the process) is in
:mod:`symreg._pyop`.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from symreg import _pyop, schemas
from symreg._pyop import ELEMENTS, KernelError
from symreg.registry import check_name

__all__ = ["KernelError", "PyKernel", "kernel", "kernels", "unregister_kernel"]

_MAX_SIGNATURES = 64


@dataclasses.dataclass(frozen=True)
class PyKernel:
    """A registered Python kernel: ``fn(*inputs, **attrs) -> output or tuple of outputs``."""

    name: str
    fn: Callable
    inputs: tuple[str, ...]  # type parameter of each input
    outputs: tuple[str, ...]  # type parameter of each output
    types: tuple[tuple[str, tuple[str, ...]], ...]  # type parameter -> allowed element type names
    attrs: tuple[tuple[str, Any, Any], ...]  # (name, Python type, default or schemas.REQUIRED)

    def signatures(self) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
        """Every (input element types, output element types) the kernel accepts."""
        params = [p for p, _ in self.types]
        result = []
        for combo in itertools.product(*(allowed for _, allowed in self.types)):
            binding = dict(zip(params, combo))
            result.append((tuple(binding[p] for p in self.inputs), tuple(binding[p] for p in self.outputs)))
        return result


_lock = threading.RLock()
_KERNELS: dict[str, PyKernel] = {}


def kernel(
    name: str,
    *,
    inputs: Sequence[str] | None = None,
    outputs: Sequence[str] | None = None,
    attrs: dict[str, Any] | None = None,
    replace: bool = False,
) -> Callable[[Callable], Callable]:
    """Registers the decorated NumPy function as the Python kernel of custom op ``name``::

        @symreg.kernel("mydomain::Scale")            # types from symreg.schema("mydomain::Scale", ...)
        def scale(x, *, alpha):                       # inputs as arrays, attributes as keywords
            return (x * alpha).astype(x.dtype)

    The function gets the node's inputs as NumPy arrays, positionally, and its
    attributes as keyword arguments (declared defaults filled in; ``bool`` and list
    attributes arrive as ``bool`` and ``list``). It returns one array, or a tuple with
    one array per output; each is converted to the output's declared element type.

    Types come from the op's :func:`symreg.schema` when one is declared. Otherwise pass
    them: ``inputs`` and ``outputs`` are element type names, one per input / output
    (``["float", "int64"]``), and ``attrs`` declares attributes as ``symreg.schema`` does
    (``{"alpha": float, "axis": 0}``: a type for a required one, a default otherwise).
    Supported element types: float, double, float16, (u)int8/16/32/64, bool.

    :func:`symreg.ort.InferenceSession` runs the kernel for nodes of ``name`` in models
    it loads, unless ORT or ``libsymreg_ort.so`` has a native kernel for the op, which
    always takes precedence. A session keeps the kernel registered when it was created.
    Needs onnxruntime-extensions; prototyping only (slow, needs Python to serve).

    Raises:
        ValueError: malformed ``name``, no schema and no types, or a kernel is already
            registered for ``name`` (pass ``replace=True``).
        TypeError: a type onnxruntime-extensions cannot run, optional or variadic
            inputs, or both a schema and explicit types.
        ImportError: onnxruntime-extensions is not installed.
    """
    check_name(name, "symreg.kernel")
    spec = _spec(name, inputs, outputs, attrs)

    def decorate(fn: Callable) -> Callable:
        if not callable(fn):
            raise TypeError(f"symreg.kernel({name!r}) decorates a function, got {fn!r}")
        registered = PyKernel(name, fn, *spec)
        with _lock:
            if name in _KERNELS and not replace:
                existing = _KERNELS[name].fn
                raise ValueError(
                    f"symreg.kernel({name!r}): a Python kernel is already registered "
                    f"({existing.__module__}.{existing.__qualname__}); pass replace=True or "
                    "symreg.unregister_kernel() it first"
                )
            for signature in registered.signatures():
                _pyop.declare(name, *signature)
            _KERNELS[name] = registered
        return fn

    return decorate


def unregister_kernel(name: str) -> None:
    """Removes the Python kernel of ``name``; sessions created later no longer use it.

    Sessions already created keep running it. Raises ``KeyError`` if none is registered.
    """
    check_name(name, "symreg.unregister_kernel")
    with _lock:
        if name not in _KERNELS:
            raise KeyError(f"symreg.unregister_kernel({name!r}): no Python kernel is registered")
        del _KERNELS[name]


def kernels() -> dict[str, PyKernel]:
    """The registered Python kernels by op name (``"mydomain::MyOp"``)."""
    with _lock:
        return dict(sorted(_KERNELS.items()))


def snapshot() -> dict[str, PyKernel]:
    """The registered kernels, for :func:`symreg.scope`."""
    return kernels()


def restore(saved: dict[str, PyKernel]) -> None:
    """Makes the registered kernels what they were when ``saved`` was taken."""
    with _lock:
        _KERNELS.clear()
        _KERNELS.update(saved)


def _spec(name: str, inputs, outputs, attrs) -> tuple:
    what = f"symreg.kernel({name!r})"
    domain, op_type = name.split("::")
    if domain in ("onnx", "ai"):
        raise ValueError(f"{what}: the ONNX domain is not custom; ORT runs its ops natively")
    declared = schemas.lookup(domain, op_type)
    explicit = inputs is not None or outputs is not None or attrs is not None
    if declared is not None and explicit:
        raise TypeError(
            f"{what}: the op has a declared symreg.schema, whose inputs, outputs, attributes "
            "and types apply; drop inputs=, outputs= and attrs="
        )
    if declared is not None:
        if any(option for _, option, _ in declared.inputs + declared.outputs):
            raise TypeError(
                f"{what}: its schema has optional or variadic inputs/outputs; onnxruntime-extensions' "
                "PyOp takes a fixed number of each"
            )
        used = {p for _, _, p in declared.inputs + declared.outputs}
        types = {p: tuple(t[len("tensor(") : -1] for t in allowed) for p, allowed in declared.types if p in used}
        in_params = tuple(p for _, _, p in declared.inputs)
        out_params = tuple(p for _, _, p in declared.outputs)
        attr_specs = declared.attrs
    elif inputs is None or outputs is None:
        raise ValueError(
            f"{what}: no symreg.schema is declared for the op and no types are given; declare "
            f"symreg.schema({name!r}, inputs=..., outputs=..., types=...) first, or pass element "
            "types, e.g. symreg.kernel(..., inputs=['float'], outputs=['float'])"
        )
    else:
        if isinstance(inputs, str) or isinstance(outputs, str):
            raise TypeError(f"{what}: inputs and outputs are lists of element type names, e.g. ['float']")
        elements = [_element(what, t) for t in (*inputs, *outputs)]
        types = {e: (e,) for e in elements}
        in_params, out_params = tuple(elements[: len(inputs)]), tuple(elements[len(inputs) :])
        attr_specs = tuple(schemas._attr(name, n, spec) for n, spec in (attrs or {}).items())
    if not out_params:
        raise ValueError(f"{what}: an op needs at least one output")
    supported = {p: tuple(t for t in allowed if t in ELEMENTS) for p, allowed in types.items()}
    empty = [p for p, allowed in supported.items() if not allowed]
    if empty:
        raise TypeError(
            f"{what}: type {empty[0]!r} allows only {list(types[empty[0]])}, which onnxruntime-extensions' "
            f"PyOp cannot pass to Python; supported: {', '.join(ELEMENTS)}"
        )
    count = 1
    for allowed in supported.values():
        count *= len(allowed)
    if count > _MAX_SIGNATURES:
        raise TypeError(f"{what}: its types allow {count} type combinations (at most {_MAX_SIGNATURES}); narrow them")
    return in_params, out_params, tuple(supported.items()), tuple(attr_specs)


def _element(what: str, text: Any) -> str:
    name = text[len("tensor(") : -1] if isinstance(text, str) and text.startswith("tensor(") else text
    if name not in ELEMENTS:
        raise TypeError(
            f"{what}: element type {text!r} is not one onnxruntime-extensions' PyOp runs; "
            f"use one of {', '.join(ELEMENTS)}"
        )
    return name
