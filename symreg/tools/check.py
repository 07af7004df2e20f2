"""``symreg check``: onnx's full checker, then a session in ONNX Runtime with symreg's kernels,
then one run of it on generated inputs (a model can load and still fail at its first run: a
broadcast error, a kernel refusing its attributes).

When something fails, the report says what is missing and how to fix it, rather than
passing on ORT's first error: every custom op without a kernel is named, and an IR
version or opset newer than the installed runtime reads comes with the
``symreg convert`` command that fixes it.

Only a model with custom-domain ops needs symreg's op pack (its schemas, for the full
check) and :mod:`symreg.ort` (its kernels), and so torch: see :mod:`symreg.tools._package`.
A model of standard ops alone gets a plain ONNX Runtime session.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path

import onnx
import onnxruntime

from symreg import _meta
from symreg.tools import _feeds, _model, _package, kernel_status
from symreg.tools.convert import min_ir_version
from symreg.tools.report import custom_ops

_IR_TOO_NEW = re.compile(r"Unsupported model IR version: (\d+), max supported IR version: (\d+)")
_NOT_REGISTERED = re.compile(r"([\w.]*):(\w+)\((-?\d+)\) is not a registered function/op")
_OPSET_TOO_NEW = re.compile(r"Current official support for domain ([\w.]+) is till opset (\d+)")
_NO_IMPLEMENTATION = re.compile(r"Could not find an implementation for (\w+)\((\d+)\) node with name '([^']*)'")
#: ONNX Runtime's CPU kernels start at opset 7 for nearly every op (Add, Mul, Gemm, pooling, ...).
#: ORT's log level for check's session and run: fatal only. ORT logs an error before it raises it; check
#: reports each one itself, in its own lines.
QUIET = 4
_OLDEST_KERNELS = 7
#: The opset that ``symreg check`` suggests converting an old model to.
_SUGGESTED_OPSET = 13
#: The first onnxruntime with a kernel for ONNX ``DeformConv`` (opset 19), the default lowering of
#: torchvision::deform_conv2d from opset 19 (symreg/ops/vision.py); measured by scripts/ort_versions.py.
DEFORM_CONV_MIN_ORT = "1.25"
#: What check advises when an older onnxruntime has no DeformConv kernel.
DEFORM_CONV_UPGRADE = (
    f"ONNX DeformConv needs onnxruntime >= {DEFORM_CONV_MIN_ORT}; upgrade, "
    "or export with lowerings={'torchvision::deform_conv2d': 'custom'}"
)


@dataclasses.dataclass(frozen=True)
class Finding:
    """One result of :func:`check`: ``step`` ("checker", "kernels", "onnxruntime", "run"), pass or not, and text."""

    step: str
    ok: bool
    message: str


@dataclasses.dataclass(frozen=True)
class CheckReport:
    """The findings of :func:`check`; ``ok`` when the checker and ORT accept the model and it runs."""

    path: str | None
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)

    @property
    def problems(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if not f.ok)

    def __str__(self) -> str:
        lines = [f"{'ok' if f.ok else 'FAIL':4}  {f.step:11}  {f.message}" for f in self.findings]
        verdict = "passes" if self.ok else f"fails: {len(self.problems)} problem(s)"
        return "\n".join([*lines, f"{self.path or 'model'} {verdict}"])


def check(
    model: str | os.PathLike | onnx.ModelProto,
    *,
    shapes: dict[str, tuple[int, ...]] | None = None,
    step: Callable[[str], None] | None = None,
) -> CheckReport:
    """Checks a model with ``onnx.checker`` (full check), by creating an ORT session, and by one run.

    For a model with custom-domain ops the session is a :func:`symreg.ort.InferenceSession`,
    so symreg's C++ kernels and Python kernels registered in this process are available;
    its custom ops are also probed one by one, so that every missing kernel is named, not
    just the first. A model of standard ops alone gets an ``onnxruntime.InferenceSession``.
    The session then runs once on generated inputs of the declared types and shapes (floats from
    N(0, 1), integers 0; a dynamic dim has size 2 unless ``shapes`` gives the input's shape).

    Args:
        model: path of an ONNX file, or a ``ModelProto``.
        shapes: input name -> shape for the run, e.g. ``{"image": (1, 3, 224, 224)}``.
        step: called with a short description before each step (for progress display).

    Returns:
        A :class:`CheckReport`; its ``problems`` say what is missing and the fix.

    Raises:
        FileNotFoundError, symreg.tools.ModelError: the file cannot be read as ONNX.
    """
    step = step or (lambda _: None)
    proto = _model.load(model, external_data=False)
    _package.complete_for(proto)  # the schemas the full check needs
    command_model = "MODEL" if isinstance(model, onnx.ModelProto) else str(model)
    findings = []

    step("onnx.checker (full check)")
    findings.append(_checker(model if not isinstance(model, onnx.ModelProto) else proto))

    step("probing custom-op kernels")
    findings.extend(_kernel_findings(proto))

    step("creating an ONNX Runtime session")
    finding, session = _session(model, proto, command_model, findings)
    findings.append(finding)
    if session is not None:
        step("running the model once on generated inputs")
        findings.append(_run(session, shapes))
    return CheckReport(None if isinstance(model, onnx.ModelProto) else str(model), tuple(findings))


def _checker(model) -> Finding:
    try:
        # A path lets the checker read external data and models over 2 GB.
        onnx.checker.check_model(os.fspath(model) if isinstance(model, (str, Path)) else model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as e:
        return Finding("checker", False, f"onnx.checker rejects the model: {_first_line(e)}")
    return Finding("checker", True, f"onnx.checker (onnx {onnx.__version__}, full check) accepts the model")


def _kernel_findings(proto: onnx.ModelProto) -> list[Finding]:
    findings = []
    for op in custom_ops(proto):
        if op.kernel == kernel_status.FALLBACK:
            findings.append(Finding("kernels", False, _fallback_op(op)))
        elif op.kernel != kernel_status.NONE:
            findings.append(Finding("kernels", True, f"{op.qualified_name} (version {op.version}): {op.kernel}"))
        else:
            findings.append(Finding("kernels", False, _missing_kernel(op.domain, op.op_type, op.version)))
    return findings


def _fallback_op(op) -> str:
    torch_op = f"{op.domain.removeprefix('symreg.')}::{op.op_type}"
    nodes = f"{op.count} node{'s' if op.count > 1 else ''}"
    return (
        f"{torch_op} ({nodes}, domain {op.domain}) needs a rule: a fallback node runs the op in torch eager "
        "through Python (symreg.export(..., fallback='python')), so the model needs Python and torch to run; "
        "write a rule with @symreg.op (and a C++ kernel if ONNX lacks the op) and export again"
    )


def _missing_kernel(domain: str, op_type: str, version: int) -> str:
    name = f"{domain}::{op_type} (version {version})"
    if domain == _meta.DOMAIN:
        return (
            f"{name} has no kernel: libsymreg_ort.so (symreg {_meta.VERSION}) does not implement it; "
            "a newer symreg may, or register a Python kernel with @symreg.kernel"
        )
    return (
        f"{name} has no kernel: load the custom-op library of domain {domain!r} "
        "(SessionOptions.register_custom_ops_library) or register a Python kernel with @symreg.kernel"
    )


def _session(model, proto: onnx.ModelProto, command_model: str, earlier: list[Finding]):
    """(the finding, the session or None)."""
    source = proto.SerializeToString() if isinstance(model, onnx.ModelProto) else os.fspath(model)
    options = onnxruntime.SessionOptions()
    options.log_severity_level = QUIET  # check reports every error in its own lines
    custom = _model.uses_custom_ops(proto)
    try:
        if custom:
            session = _package.complete().ort.InferenceSession(source, options)
        else:
            session = onnxruntime.InferenceSession(source, options, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
        return Finding("onnxruntime", False, _diagnose(str(e), proto, command_model, earlier)), None
    kernels = " with symreg's kernels" if custom else ""
    return Finding("onnxruntime", True, f"onnxruntime {onnxruntime.__version__} creates a session{kernels}"), session


def _run(session, shapes) -> Finding:
    try:
        feeds = _feeds.make_feeds(session.get_inputs(), shapes)
    except _feeds.FeedError as e:
        if shapes:
            raise
        return Finding("run", True, f"not run: {e}")
    what = f"generated inputs ({_feeds.describe(feeds)})"
    try:
        quiet = onnxruntime.RunOptions()
        quiet.log_severity_level = QUIET
        outputs = session.run(None, feeds, quiet)
    except Exception as e:  # noqa: BLE001 - ORT raises its own exception types
        return Finding("run", False, f"the model fails at its first run on {what}: {_first_line(e)}")
    return Finding("run", True, f"runs on {what}: {len(outputs)} output(s)")


def _diagnose(error: str, proto: onnx.ModelProto, command_model: str, earlier: list[Finding]) -> str:
    runtime = f"onnxruntime {onnxruntime.__version__}"
    if m := _IR_TOO_NEW.search(error):
        model_ir, max_ir = int(m.group(1)), int(m.group(2))
        lowest = min_ir_version(proto)
        fix = (
            f"lower it: symreg convert {command_model} OUT --ir-version {max_ir}"
            if lowest <= max_ir
            else f"the model needs IR version >= {lowest} (see `symreg convert --ir-version {max_ir}` for why); "
            f"upgrade onnxruntime"
        )
        return f"IR version {model_ir} is too new for {runtime} (it reads up to {max_ir}); {fix}"
    if m := _NOT_REGISTERED.search(error):
        domain, op_type, version = m.group(1) or "ai.onnx", m.group(2), int(m.group(3))
        if not _model.is_custom(m.group(1)):
            return f"{runtime} does not know op {op_type} of domain {domain}; {_first_line_of(error)}"
        if any(not f.ok and f.step == "kernels" for f in earlier):
            return f"{runtime} cannot run the custom ops named above without their kernels"
        version = next((o.version for o in proto.opset_import if o.domain == domain), version)
        return _missing_kernel(domain, op_type, version)
    if m := _OPSET_TOO_NEW.search(error):
        domain, newest = m.group(1), int(m.group(2))
        used = next((o.version for o in proto.opset_import if (o.domain or "ai.onnx") == domain), "?")
        fix = f"; convert it: symreg convert {command_model} OUT --opset {newest}" if domain == "ai.onnx" else ""
        return f"opset {domain} {used} is unsupported by {runtime} (it supports up to {newest}){fix}"
    if m := _NO_IMPLEMENTATION.search(error):
        op_type, version, node = m.groups()
        if op_type == "DeformConv" and _older_than(onnxruntime.__version__, DEFORM_CONV_MIN_ORT):
            # ONNX's DeformConv starts at opset 19; a custom-domain one would be named by the kernels step.
            return f"{runtime} has no kernel for DeformConv (opset {version}, node {node!r}): {DEFORM_CONV_UPGRADE}"
        if int(version) < _OLDEST_KERNELS:
            return (
                f"{runtime} has no kernel for {op_type} at opset {version} (node {node!r}): its kernels start at "
                f"opset {_OLDEST_KERNELS}; convert to a newer opset: "
                f"symreg convert {command_model} OUT --opset {_SUGGESTED_OPSET}"
            )
        return (
            f"{runtime} has no kernel for {op_type} (opset {version}) with the input types of node {node!r}; "
            "export with another dtype or lowering"
        )
    return f"{runtime} refuses the model: {_first_line_of(error)}"


def _older_than(version: str, minimum: str) -> bool:
    """Whether release ``version`` ("1.24.4", "1.26.0.dev20260101") is older than ``minimum`` ("1.25")."""
    major_minor = tuple(int(re.match(r"\d+", part)[0]) for part in version.split(".")[:2])
    return major_minor < tuple(int(part) for part in minimum.split("."))


def _first_line(error: BaseException) -> str:
    return _first_line_of(str(error))


def _first_line_of(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if not lines:
        return "(no message)"
    # ORT prefixes messages with its source location: keep the human part.
    line = lines[0]
    return re.sub(r"^\[ONNXRuntimeError\] : \d+ : \w+ : (/\S+:\d+ [^)]*\) )?", "", line)
