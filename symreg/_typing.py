"""Typed rule arguments: what ``parse_args`` does for TorchScript, for both exporters.

A rule's parameters after ``g`` are described by :class:`Param`. Tensor inputs are
unannotated; constants are annotated ``int``, ``float``, ``bool``, ``str``,
``list[int]``, ``list[float]``, optionally wrapped in ``Optional[...]``. The same
description can be given as a ``parse_args``-style string ("v,i,f,b,s,is,fs").
"""

from __future__ import annotations

import dataclasses
import enum
import inspect
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any, Union

from symreg.errors import ConstantArgumentError, ExportError

# parse_args descriptors and the annotations they stand for.
_DESCRIPTORS: dict[str, Any] = {
    "v": None,  # tensor (graph value)
    "i": int,
    "f": float,
    "b": bool,
    "s": str,
    "is": list[int],
    "fs": list[float],
}
_CONSTANT_TYPES = {int, float, bool, str, list[int], list[float]}


@dataclasses.dataclass(frozen=True)
class Param:
    """One rule parameter: a tensor input or a constant of ``kind``."""

    name: str
    kind: Any  # None for tensors, else one of _CONSTANT_TYPES
    optional: bool = False
    has_default: bool = False
    default: Any = None

    @property
    def is_tensor(self) -> bool:
        return self.kind is None

    def describe(self) -> str:
        if self.is_tensor:
            text = "Tensor"
        elif _is_list(self.kind):
            text = f"list[{typing.get_args(self.kind)[0].__name__}]"
        else:
            text = self.kind.__name__
        return f"Optional[{text}]" if self.optional else text


def _is_list(kind: Any) -> bool:
    return typing.get_origin(kind) is list


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(annotation)) == 2:
            return args[0], True
    return annotation, False


def params_of(op_name: str, fn: Callable, args: str | None) -> tuple[Param, ...]:
    """Reads the typed parameters of rule ``fn`` (everything after ``g``).

    Raises ``TypeError`` naming the op and the parameter for anything unsupported.
    """
    signature = inspect.signature(fn)
    params = list(signature.parameters.values())
    if not params or params[0].kind not in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        raise TypeError(
            f"symreg.op({op_name!r}): rule {fn.__qualname__} must take the graph "
            "builder `g` as its first positional parameter, e.g. def rule(g, x): ..."
        )
    rest = params[1:]
    for p in rest:
        if p.kind not in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            raise TypeError(
                f"symreg.op({op_name!r}): parameter {p.name!r} of {fn.__qualname__} is "
                f"{p.kind.description}; rules take plain positional parameters, one per "
                "argument of the op, in the op's order"
            )
    if args is not None:
        return _params_from_descriptors(op_name, fn, rest, args)
    try:
        hints = typing.get_type_hints(fn)
    except Exception as e:  # unresolvable forward references
        raise TypeError(f"symreg.op({op_name!r}): cannot read the annotations of {fn.__qualname__}: {e}") from e
    result = []
    for p in rest:
        default = {} if p.default is inspect.Parameter.empty else {"has_default": True, "default": p.default}
        if p.name not in hints:
            result.append(Param(p.name, None, **default))
            continue
        kind, optional = _strip_optional(hints[p.name])
        if kind is not None and kind not in _CONSTANT_TYPES and not _is_tensor_annotation(kind):
            raise TypeError(
                f"symreg.op({op_name!r}): parameter {p.name!r} of {fn.__qualname__} is annotated "
                f"{hints[p.name]!r}; use no annotation (or torch.Tensor) for tensor inputs, or one of "
                "int, float, bool, str, list[int], list[float], Optional[...] for constants"
            )
        if _is_tensor_annotation(kind):
            kind = None
        result.append(Param(p.name, kind, optional=optional, **default))
    return tuple(result)


def _is_tensor_annotation(kind: Any) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return kind is torch.Tensor


def _params_from_descriptors(op_name: str, fn: Callable, rest: list, args: str) -> tuple[Param, ...]:
    descriptors = [d.strip() for d in args.split(",")] if args.strip() else []
    if len(descriptors) != len(rest):
        raise TypeError(
            f"symreg.op({op_name!r}): args={args!r} describes {len(descriptors)} parameters but "
            f"{fn.__qualname__} takes {len(rest)} after g ({', '.join(p.name for p in rest)})"
        )
    result = []
    for p, d in zip(rest, descriptors):
        optional = d.endswith("?")
        base = d[:-1] if optional else d
        if base not in _DESCRIPTORS:
            raise TypeError(
                f"symreg.op({op_name!r}): unknown descriptor {d!r} for parameter {p.name!r}; "
                f"use one of {', '.join(_DESCRIPTORS)} (a trailing '?' allows None)"
            )
        default = {} if p.default is inspect.Parameter.empty else {"has_default": True, "default": p.default}
        result.append(Param(p.name, _DESCRIPTORS[base], optional=optional, **default))
    return tuple(result)


def coerce(op_name: str, param: Param, value: Any) -> Any:
    """Checks and converts a Python constant to ``param``'s type (int for float is fine)."""
    if value is None:
        if param.optional or (param.has_default and param.default is None):
            return None
        raise _type_error(op_name, param, value)
    kind = param.kind
    try:
        if _is_list(kind):
            item = typing.get_args(kind)[0]
            if not isinstance(value, (list, tuple)):
                value = [value]  # torch passes int[1] arguments as a bare int sometimes
            return [_scalar(item, v) for v in value]
        return _scalar(kind, value)
    except (TypeError, ValueError):
        raise _type_error(op_name, param, value) from None


def _scalar(kind: type, value: Any) -> Any:
    if kind is str:
        if not isinstance(value, str):
            raise TypeError
        return value
    if isinstance(value, str):
        raise TypeError
    if kind is float:
        return float(value)
    if kind is bool:
        if isinstance(value, float) and not value.is_integer():
            raise TypeError
        return bool(value)
    if isinstance(value, float) and not value.is_integer():
        raise TypeError
    if isinstance(value, enum.IntEnum):
        # dynamo's dtype= arguments come as onnx_ir.DataType (ONNX's numbering): kept, so that
        # symreg.dtypes.argument_dtype can tell it from c10's numbering
        return value
    return int(value)


def _type_error(op_name: str, param: Param, value: Any) -> TypeError:
    return TypeError(
        f"{op_name}: argument {param.name!r} expects {param.describe()}, got {value!r} "
        f"({type(value).__name__}); fix the rule's annotation or the model's argument"
    )


def convert_args(
    op_name: str,
    params: tuple[Param, ...],
    args: Sequence[Any],
    *,
    tensor: Callable[[Any], Any],
    constant: Callable[[Any], Any],
    rule: Any = None,
) -> list[Any]:
    """Turns an exporter's arguments into the rule's: ``tensor(value)`` for tensor
    parameters, ``constant(value)`` (a Python value, or LookupError naming what
    computes it) checked against the annotation for the others. ``rule`` (a
    :class:`~symreg.registry.Rule`) is named in the errors."""
    who = f"the rule {rule.where}" if rule is not None else "the rule"
    if len(args) > len(params):
        raise ExportError(
            f"{op_name}: the model passes {len(args)} arguments but {who} takes "
            f"{len(params)} after g ({', '.join(p.name for p in params)}); add the missing parameters"
        )
    missing = [p.name for p in params[len(args) :] if not p.has_default]
    if missing:
        raise ExportError(
            f"{op_name}: the model passes {len(args)} arguments but {who} also needs "
            f"{', '.join(repr(m) for m in missing)} after them; give those parameters defaults or remove them"
        )
    converted = []
    for param, value in zip(params, args):
        if param.is_tensor:
            converted.append(tensor(value))
            continue
        try:
            value = constant(value)
        except LookupError as e:
            raise ConstantArgumentError(
                f"{op_name}: argument {param.name!r} must be a constant {param.describe()}, but the "
                f"model computes it ({e.args[0]}); make it a Python constant in the model, or "
                "declare the parameter as a tensor (no annotation) and build the graph from it"
            ) from None
        try:
            converted.append(coerce(op_name, param, value))
        except TypeError as e:
            raise ExportError(str(e)) from None
    return converted
