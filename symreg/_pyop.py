"""How Python kernels reach ONNX Runtime: onnxruntime-extensions' PyOp, and model mapping.

How it reaches ORT, and why this way (onnxruntime-extensions 0.15.2, ORT 1.32):

- A PyOp's input and output element types are fixed when it is declared, so each kernel
  gets one PyOp per concrete type signature (``T`` in ``{float, double}``: two), declared
  when the kernel is registered.
- PyOp declarations cannot be removed, and a second one of the same name conflicts. Each
  PyOp therefore calls a trampoline that looks the kernel up by a token; unregistering or
  replacing a kernel reuses the PyOps of the same signature.
- The session maps a model's ``mydomain::MyOp`` node onto its PyOp in memory (the file is
  never modified): domain and op type become the PyOp's, and the node's attributes travel
  as one JSON string attribute, so list attributes work although PyOp knows only
  int/float/string ones.
- Each PyOp lives alone in a private domain ``symreg.pykernel.<n>``. PyOps sharing a domain
  sit in one growing ``std::vector`` whose elements ORT sessions point to; declaring another
  PyOp in that domain after a session exists moves them, and running that session then
  crashes (measured: SIGSEGV in ``ai.onnx.contrib``). Declaring a PyOp directly in the
  model's own domain is no better: the declaration is process-wide and collides with any
  library serving that domain ("Domain already set in registry", or for ``symreg`` a
  "Conflicting with a registered kernel" with ``libsymreg_ort.so``).
- An exception escaping a PyOp aborts the process (``pybind11::error_already_set`` is not
  caught by onnxruntime-extensions). The trampoline catches it, returns empty outputs, and
  the session's ``run`` raises it as :class:`KernelError`.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
import json
import re
import threading
import typing
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import onnx

from symreg import dtypes, schemas
from symreg._graphs import all_nodes, subgraphs

if TYPE_CHECKING:
    from symreg.pykernels import PyKernel

#: ONNX element type name -> (NumPy dtype, ONNX TensorProto type). bfloat16 and string
#: have no NumPy representation that PyOp accepts.
ELEMENTS = {
    name: (dtypes.numpy_dtype(name).type, dtypes.onnx_type(name))
    for name in ("float", "double", "float16", "int8", "int16", "int32", "int64")
    + ("uint8", "uint16", "uint32", "uint64", "bool")
}
_ELEMENT_OF_ONNX = {onnx_type: name for name, (_, onnx_type) in ELEMENTS.items()}
_CALL_ATTR = "symreg_call"
PYOP_DOMAIN_PREFIX = "symreg.pykernel."


class KernelError(RuntimeError):
    """A Python kernel raised or returned something unusable while a session ran."""


@dataclasses.dataclass(frozen=True)
class PyOp:
    domain: str
    op_type: str
    index: int  # declaration order: options registered before this PyOp existed lack it


_lock = threading.RLock()
_PYOPS: dict[tuple[str, tuple[str, ...], tuple[str, ...]], PyOp] = {}
_BOUND: dict[int, PyKernel] = {}  # token -> kernel, kept so sessions keep the kernel they were made with
_ERRORS: dict[int, BaseException] = {}  # session tag -> first kernel error of its current run
_tokens = itertools.count(1)


def declared() -> int:
    """How many PyOps this process has declared so far."""
    return len(_PYOPS)


def extensions() -> Any:
    try:
        import onnxruntime_extensions
    except ImportError as e:
        raise ImportError(
            "symreg Python kernels need onnxruntime-extensions: pip install onnxruntime-extensions"
        ) from e
    return onnxruntime_extensions


def declare(name: str, in_types: tuple[str, ...], out_types: tuple[str, ...]) -> PyOp:
    """The PyOp serving ``name`` at this signature, declared on first use."""
    key = (name, in_types, out_types)
    with _lock:
        if key in _PYOPS:
            return _PYOPS[key]
        ext = extensions()
        dt = ext.PyCustomOpDef
        codes = {e: getattr(dt, "dt_" + e) for e in ELEMENTS}
        index = len(_PYOPS)
        pyop = PyOp(f"{PYOP_DOMAIN_PREFIX}{index}", re.sub(r"\W", "_", name), index)
        dtypes = tuple(np.dtype(ELEMENTS[t][0]) for t in out_types)
        opdef = ext.onnx_op(
            op_type=f"{pyop.domain}::{pyop.op_type}",
            inputs=[codes[t] for t in in_types],
            outputs=[codes[t] for t in out_types],
            attrs={_CALL_ATTR: dt.dt_string},
        )(functools.partial(_invoke, dtypes))
        _install_hook(ext)
        _OPDEFS[id(opdef)] = opdef.body  # onnxruntime-extensions calls it by this id
        _PYOPS[key] = pyop
        return pyop


_OPDEFS: dict[int, Callable] = {}
_hook_installed = False


def _install_hook(ext: Any) -> None:
    """Hands symreg's PyOp outputs to onnxruntime-extensions as arrays, not Python lists.

    Its own invocation hook returns every output as ``array.flatten().tolist()``, which
    its C++ side turns back into an array: ~110 ms per million float32 elements, where
    the array itself (which the C++ side accepts as it is) costs a copy. The hook is
    process-wide; PyOps that are not symreg's still go to the original one. Without the
    (private) original to chain to, the slow path stays.
    """
    global _hook_installed
    original = getattr(getattr(ext, "_ocos", None), "_on_pyop_invocation", None)
    if _hook_installed or original is None:
        return

    def hook(op_id: int, feed: Sequence[np.ndarray], attributes: dict[str, str]) -> tuple:
        body = _OPDEFS.get(op_id)
        if body is None:
            return original(op_id, feed, attributes)
        result = body(*feed, **attributes)
        flat: list[Any] = [op_id]
        for array in result if isinstance(result, tuple) else (result,):
            flat += [array.shape, array.reshape(-1)]
        return tuple(flat)

    ext.PyCustomOpDef.install_hooker(hook)
    _hook_installed = True


@functools.lru_cache(maxsize=4096)
def _decode(call: str) -> tuple[int, int, dict[str, Any]]:
    data = json.loads(call)
    return data["k"], data["s"], data["a"]


def _invoke(dtypes: tuple[np.dtype, ...], *inputs: np.ndarray, **attributes: str) -> Any:
    """Runs a bound kernel; never lets an exception reach onnxruntime-extensions (it aborts)."""
    try:
        token, tag, attrs = _decode(attributes[_CALL_ATTR])
    except Exception:  # not a node symreg mapped: nothing to report to
        return tuple(np.zeros(0, d) for d in dtypes) if len(dtypes) > 1 else np.zeros(0, dtypes[0])
    bound = _BOUND[token]
    try:
        result = bound.fn(*inputs, **attrs)
        results = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        if len(results) != len(dtypes):
            raise KernelError(f"returned {len(results)} outputs; the op declares {len(dtypes)}")
        arrays = tuple(np.ascontiguousarray(np.asarray(r, dtype=d)) for r, d in zip(results, dtypes))
    except BaseException as e:  # noqa: BLE001 - any escaping exception kills the process
        with _lock:
            if tag not in _ERRORS:  # the first error of a run explains the rest
                _ERRORS[tag] = KernelError(f"symreg.kernel({bound.name!r}): {type(e).__name__}: {e}")
                _ERRORS[tag].__cause__ = e
        arrays = tuple(np.zeros(0, d) for d in dtypes)
    return arrays if len(arrays) > 1 else arrays[0]


def raise_pending(tag: int, during: BaseException | None = None) -> None:
    """Raises the kernel error recorded for session ``tag`` since its last check, if any."""
    with _lock:
        error = _ERRORS.pop(tag, None)
    if error is not None:
        raise error from (error.__cause__ or during)


# --- Mapping a model onto the PyOps ------------------------------------------------------


def wanted(model: onnx.ModelProto, names: set[str]) -> dict[str, int]:
    """Ops of ``names`` that ``model`` uses, each with the domain version it imports."""
    versions = {o.domain: o.version for o in model.opset_import}
    found = {}
    for node in all_nodes(model.graph):
        name = f"{node.domain}::{node.op_type}"
        if node.domain and name in names:
            found[name] = versions.get(node.domain, 1)
    return found


def map_model(
    model: onnx.ModelProto,
    bound: dict[str, PyKernel],
    tag: int,
    per_node: Callable[[onnx.NodeProto, dict[str, str]], PyKernel | None] | None = None,
) -> list[PyOp]:
    """Rewrites, in place, the nodes of ``bound``'s ops onto their PyOps; returns the PyOps used.

    ``per_node(node, element types by value name)`` gives the kernel of a node that ``bound``
    does not name (a fallback node: its kernel depends on the node), or None.

    Raises ``ValueError`` naming the node when its element types are unknown or not
    ones the kernel accepts, or its attributes do not match the kernel's.
    """
    known, ranks = _element_types(model)
    tokens: dict[int, int] = {}
    used: dict[str, PyOp] = {}
    scalars: set[str] = set()
    for node in list(all_nodes(model.graph)):
        name = f"{node.domain}::{node.op_type}"
        k = bound.get(name) if node.domain else None
        if k is None and per_node is not None:
            k = per_node(node, known)
        if k is None:
            continue
        in_types, out_types = _signature(k, node, known)
        for out, t in zip(node.output, out_types):
            known[out] = t
        pyop = declare(name, in_types, out_types)
        with _lock:
            if id(k) not in tokens:
                tokens[id(k)] = next(_tokens)
                _BOUND[tokens[id(k)]] = k
        call = {"k": tokens[id(k)], "s": tag, "a": _attributes(k, node)}
        del node.attribute[:]
        node.attribute.append(onnx.helper.make_attribute(_CALL_ATTR, json.dumps(call)))
        node.domain, node.op_type = pyop.domain, pyop.op_type
        used[pyop.domain] = pyop
        scalars.update(out for out in node.output if ranks.get(out) == 0)
    if scalars:
        _reshape_scalars(model, scalars)
    imported = {o.domain for o in model.opset_import}
    model.opset_import.extend(onnx.helper.make_opsetid(d, 1) for d in used if d not in imported)
    return list(used.values())


def _reshape_scalars(model: onnx.ModelProto, scalars: set[str]) -> None:
    """Makes the 0-d outputs of PyOp nodes 0-d again: onnxruntime-extensions hands a 0-d output back as
    shape (1,), so each is renamed and followed by a Reshape to shape () under its own name."""
    for graph in subgraphs(model.graph):
        nodes = []
        for node in graph.node:
            nodes.append(node)
            for i, out in enumerate(node.output):
                if out not in scalars or not node.domain.startswith(PYOP_DOMAIN_PREFIX):
                    continue
                flat, shape = f"{out}__symreg_pyop_1d", f"{out}__symreg_pyop_shape"
                node.output[i] = flat
                empty = onnx.helper.make_tensor(shape, onnx.TensorProto.INT64, [0], [])
                nodes.append(onnx.helper.make_node("Constant", [], [shape], value=empty))
                nodes.append(onnx.helper.make_node("Reshape", [flat, shape], [out]))
        del graph.node[:]
        graph.node.extend(nodes)


def _element_types(model: onnx.ModelProto) -> tuple[dict[str, str], dict[str, int]]:
    """Element type and rank of each value of the main graph whose type is known (inferred or declared)."""
    try:
        inferred = onnx.shape_inference.infer_shapes(model)
    except Exception:  # noqa: BLE001 - inference is best effort; unknown types are reported per node
        inferred = model
    graph = inferred.graph
    known, ranks = {}, {}
    for value in (*graph.input, *graph.value_info, *graph.output):
        tensor = value.type.tensor_type
        element = _ELEMENT_OF_ONNX.get(tensor.elem_type)
        if element is not None:
            known[value.name] = element
        if tensor.HasField("shape"):
            ranks[value.name] = len(tensor.shape.dim)
    for init in graph.initializer:
        if init.data_type in _ELEMENT_OF_ONNX:
            known[init.name] = _ELEMENT_OF_ONNX[init.data_type]
    return known, ranks


def _where(k: PyKernel, node: onnx.NodeProto) -> str:
    label = f" {node.name!r}" if node.name else ""
    return f"symreg.ort.InferenceSession: node{label} ({k.name})"


def _signature(k: PyKernel, node: onnx.NodeProto, known: dict[str, str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if len(node.input) != len(k.inputs) or len(node.output) != len(k.outputs) or "" in node.input:
        raise ValueError(
            f"{_where(k, node)} has {len(node.input)} inputs and {len(node.output)} outputs; its "
            f"Python kernel takes {len(k.inputs)} and returns {len(k.outputs)}"
        )
    actual_in = tuple(known.get(i) for i in node.input)
    actual_out = tuple(known.get(o) for o in node.output)
    matches = [
        s
        for s in k.signatures()
        if all(a in (None, t) for a, t in zip(actual_in, s[0]))
        and all(a in (None, t) for a, t in zip(actual_out, s[1]))
    ]
    if len(matches) == 1:
        return matches[0]

    def listed(names, types):
        return ", ".join(f"{n}: {t or 'unknown'}" for n, t in zip(names, types))

    seen = f"{listed(node.input, actual_in)} -> {listed(node.output, actual_out)}"
    if not matches:
        accepted = "; ".join(f"{', '.join(i)} -> {', '.join(o)}" for i, o in k.signatures())
        raise ValueError(
            f"{_where(k, node)}: its Python kernel has no variant for these types ({seen}); it accepts {accepted}"
        )
    raise ValueError(
        f"{_where(k, node)}: cannot tell its element types ({seen}); give the op's schema an "
        "infer= function, or the model type information (value_info) for these values"
    )


def _attributes(k: PyKernel, node: onnx.NodeProto) -> dict[str, Any]:
    given = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
    declared = {n for n, _, _ in k.attrs}
    unknown = sorted(set(given) - declared)
    if unknown:
        raise ValueError(
            f"{_where(k, node)} has attribute {unknown[0]!r}, which its Python kernel does not declare "
            f"(declared: {sorted(declared) or 'none'})"
        )
    values = {}
    for name, kind, default in k.attrs:
        if name not in given:
            if default is schemas.REQUIRED:
                raise ValueError(f"{_where(k, node)} lacks its required attribute {name!r}")
            values[name] = default
            continue
        value = given[name]
        if kind is bool:
            value = bool(value)
        elif kind is str:
            value = value.decode() if isinstance(value, bytes) else value
        elif typing.get_origin(kind) is list:
            value = [v.decode() if isinstance(v, bytes) else v for v in value]
        values[name] = value
    return values
