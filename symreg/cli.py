"""The ``symreg`` command (also ``python -m symreg``); see ``symreg --help``.

Each subcommand is a thin layer over :mod:`symreg.tools` (or the registry, for
``symreg ops``): parse arguments, call the library, print. Errors a user can fix
print one line, ``symreg: error: ...``, and no traceback unless ``--verbose``.

Started as the ``symreg`` console script (``_symreg_launcher``), this module runs before
``symreg/__init__.py`` has: commands that read ONNX files never import torch. ``symreg
ops`` and ``--import MODULE`` complete ``import symreg`` first (op pack, torch), and so do
the tools for a model with custom-domain ops (:mod:`symreg.tools._package`). Code here
imports submodules (``from symreg import _meta``), never names of the package root, and
each subcommand imports :mod:`symreg.tools` (onnx, onnxruntime) when it runs, so that
``--help`` and ``--version`` import neither.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import itertools
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from symreg import _meta, _table

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

_EPILOG = """\
exit status:
  0  success (for `check`: the model passes; for `doctor`: some exporter exports every op)
  1  failure: the model is missing, unreadable, not ONNX or truncated; `check` found
     problems; `doctor` found ops that no exporter exports at that opset; unknown tensor
     names; a conversion that cannot be done; netron missing
  2  usage error: unknown subcommand or option, missing or malformed argument

Errors print one line, `symreg: error: ...`; add --verbose for the traceback.
"""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"symreg: error: {message} (see `{self.prog} --help`)\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the ``symreg`` command with ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, usage errors
        return e.code if isinstance(e.code, int) else EXIT_USAGE
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        if getattr(args, "imports", None):
            from symreg.tools import _package

            _package.complete()  # user modules see the whole package, op pack included
            _import_modules(args.imports)
        return args.run(args)
    except _UsageError as e:
        _report_error(args, f"{e} (see `symreg {args.command} --help`)")
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("symreg: interrupted", file=sys.stderr)
        return 130
    except (OSError, ValueError, ImportError) as e:  # missing files, bad models, impossible requests
        _report_error(args, str(e) or type(e).__name__)
        return EXIT_FAILURE
    except Exception as e:  # noqa: BLE001 - a bug: still one line unless --verbose
        _report_error(args, f"{type(e).__name__}: {e} (run with --verbose for the traceback)")
        return EXIT_FAILURE


def _report_error(args: argparse.Namespace, message: str) -> None:
    if getattr(args, "verbose", False):
        traceback.print_exc()
    first = message.strip().splitlines()[0] if message.strip() else "unknown error"
    print(f"symreg: error: {first}", file=sys.stderr)


def _build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="show tracebacks of errors"
    )
    imports = argparse.ArgumentParser(add_help=False)
    imports.add_argument(
        "--import",
        dest="imports",
        action="append",
        metavar="MODULE",
        help="import a module or .py file first (your rules, schemas and kernels); repeatable",
    )
    parser = _Parser(
        prog="symreg",
        description="Export rules, kernels and model tools for ONNX: inspect, check, cut and convert models.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"symreg {_meta.VERSION}")
    parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks of errors")
    sub = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    def command(name: str, run: Callable, help: str, parents=(common,)) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help,
            description=help,
            parents=list(parents),
            epilog=_EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(run=run, command=name)
        return p

    command("ops", _ops, "list registered export rules and declared custom ops with their kernels", (common, imports))

    p = command(
        "inspect",
        _inspect,
        "report IR version, opsets, ops, custom-op kernels, parameters, inputs/outputs",
        (common, imports),
    )
    p.add_argument("model", metavar="MODEL", help="an .onnx file")
    p.add_argument("--tensors", action="store_true", help="also list every tensor name (for `symreg extract`)")

    p = command(
        "check",
        _check,
        "run onnx's full checker, create an ONNX Runtime session with symreg's kernels, run it once",
        (common, imports),
    )
    p.add_argument("model", metavar="MODEL", help="an .onnx file")
    p.add_argument(
        "--shape",
        action="append",
        type=_shape,
        default=[],
        metavar="NAME:D1xD2...",
        help="an input's shape for the run, e.g. image:1x3x224x224 (default: as declared, dynamic dims 2); repeatable",
    )

    p = command("extract", _extract, "save the sub-model between named tensors")
    p.add_argument("model", metavar="MODEL", help="an .onnx file")
    p.add_argument("out", metavar="OUT", help="where to write the sub-model")
    p.add_argument("--outputs", required=True, type=_names, metavar="C[,D...]", help="tensors that become outputs")
    p.add_argument(
        "--inputs",
        type=_names,
        metavar="A[,B...]",
        help="tensors that become inputs (default: the model's inputs the outputs need)",
    )

    p = command("convert", _convert, "convert a model's opset and/or IR version (checked afterwards)")
    p.add_argument("model", metavar="MODEL", help="an .onnx file")
    p.add_argument("out", metavar="OUT", help="where to write the converted model")
    p.add_argument(
        "--ir-version",
        type=_positive_int,
        metavar="N",
        help="stamp IR version N (lowering is refused, with the reason, when the model uses something newer)",
    )
    p.add_argument(
        "--opset",
        type=_positive_int,
        metavar="N",
        help="convert to ai.onnx opset N (onnx.version_converter; custom domains are kept)",
    )

    p = command(
        "doctor",
        _doctor,
        "list every op of a PyTorch model that cannot be exported at an opset, by each exporter, and what would fix it",
        (common, imports),
    )
    p.add_argument(
        "target",
        metavar="FILE.py:FACTORY|MODULE:FACTORY",
        help="a function (in a Python file or an importable module) that returns (model, args)",
    )
    p.add_argument("--opset", type=_positive_int, default=17, metavar="N", help="the export's opset (default: 17)")
    p.add_argument(
        "--exporter",
        choices=("torchscript", "dynamo", "both"),
        default="both",
        help="which exporter's view to report (default: both)",
    )
    output = p.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the report as JSON")
    output.add_argument("--markdown", action="store_true", help="print the report as Markdown (for a bug report)")

    p = command("lib", _lib, "show libsymreg_ort.so's path, the onnxruntime it needs, and its ops")
    p.add_argument("--path", action="store_true", help="print only the library's path (for scripts)")

    p = command("view", _view, "open the model in Netron (pip install netron) on localhost and print the URL")
    p.add_argument("model", metavar="MODEL", help="an .onnx file")
    p.add_argument("--host", default="localhost", help="address to serve on (default: localhost)")
    p.add_argument("--port", type=_port, default=None, help="port (default: netron's choice; 0: any free port)")
    p.add_argument(
        "--serve-seconds",
        type=float,
        default=None,
        metavar="S",
        help="stop serving after S seconds (default: until Ctrl-C)",
    )
    p.add_argument("--no-browser", action="store_true", help="don't open a web browser")
    return parser


# --- subcommands -------------------------------------------------------------------------


def _ops(args: argparse.Namespace) -> int:
    from symreg import schemas, tools
    from symreg._probe_graph import MARKER_DOMAIN
    from symreg.registry import REGISTRY
    from symreg.tools import _package

    _package.complete()  # the op pack's rules and schemas

    rules = []
    for name in REGISTRY.names():
        chosen = REGISTRY.preferred(name)
        lowerings = ", ".join(f"{low} (forced)" if low == chosen else low for low in REGISTRY.lowerings(name))
        rules.append((name, opset_ranges(REGISTRY.opsets(name)), lowerings or "-"))
    _print(_table.render("Export rules", ["op", "opsets", "lowerings"], rules, styled=_styled()))
    # The probe marker never reaches a runtime (symreg.debug rewrites it to Identity).
    declared = sorted(
        (s for s in schemas.snapshot().values() if s.domain != MARKER_DOMAIN), key=lambda s: s.qualified_name
    )
    with _progress() as step:
        step("probing kernels")
        custom = [
            (s.qualified_name, s.version, _signature(s), tools.kernel_for(s.qualified_name, s.version))
            for s in declared
        ]
    print()
    _print(_table.render("Custom ops", ["op", "version", "types", "kernel"], custom, styled=_styled()))
    return EXIT_OK


def _inspect(args: argparse.Namespace) -> int:
    from symreg import tools

    with _progress() as step:
        step(f"reading {args.model}")
        result = tools.report(args.model)
    _print(result.render(styled=_styled()))
    if args.tensors:
        rows = list(tools.tensor_names(args.model).items())
        print()
        _print(_table.render("Tensors", ["name", "made by"], rows, styled=_styled()))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from symreg import tools

    with _progress() as step:
        result = tools.check(args.model, shapes=dict(args.shape), step=step)
    styled = _styled()
    for f in result.findings:
        mark = (
            ("[green]ok  [/green]" if f.ok else "[bold red]FAIL[/bold red]") if styled else ("ok  " if f.ok else "FAIL")
        )
        _print(f"{mark}  {f.step:<11}  {_escape(f.message) if styled else f.message}", markup=styled)
    verdict = "passes" if result.ok else f"fails: {len(result.problems)} problem(s)"
    print(f"{args.model} {verdict}")
    return EXIT_OK if result.ok else EXIT_FAILURE


def _doctor(args: argparse.Namespace) -> int:
    from symreg.tools import _package

    symreg = _package.complete()
    model, model_args = _factory_result(args.target)
    exporters = ("torchscript", "dynamo") if args.exporter == "both" else (args.exporter,)
    with _progress() as step:
        step(f"exporting {type(model).__name__} at opset {args.opset}")
        report = symreg.doctor(model, model_args, opset_version=args.opset, exporters=exporters)
    if args.json:
        print(report.to_json())
    elif args.markdown:
        print(report.to_markdown())
    else:
        print(report.render(styled=_styled()))
    return EXIT_OK if report.ok else EXIT_FAILURE


def _factory_result(target: str) -> tuple:
    """(model, args) from ``FILE.py:FACTORY`` or ``MODULE:FACTORY``."""
    where, _, name = target.rpartition(":")
    if not where or not name.isidentifier():
        raise _UsageError(f"{target!r} is not FILE.py:FACTORY or MODULE:FACTORY")
    _import_modules([where])
    module = sys.modules[Path(where).stem] if where.endswith(".py") else importlib.import_module(where)
    factory = getattr(module, name, None)
    if not callable(factory):
        raise ValueError(f"{target}: {where} has no function {name!r}")
    result = factory()
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise ValueError(f"{target}: {name}() must return (model, args), got {type(result).__name__}")
    return result[0], result[1]


def _extract(args: argparse.Namespace) -> int:
    from symreg import tools

    with _progress() as step:
        step("extracting")
        sub = tools.extract(args.model, args.out, outputs=args.outputs, inputs=args.inputs)
    inputs = ", ".join(v.name for v in sub.graph.input if v.name not in {t.name for t in sub.graph.initializer})
    outputs = ", ".join(v.name for v in sub.graph.output)
    print(f"wrote {args.out}: {len(sub.graph.node)} node(s), inputs {inputs} -> outputs {outputs}")
    return EXIT_OK


def _convert(args: argparse.Namespace) -> int:
    from symreg import tools

    if args.ir_version is None and args.opset is None:
        raise _UsageError("convert needs --ir-version N, --opset N or both")
    with _progress() as step:
        step("converting")
        result = tools.convert(args.model, args.out, ir_version=args.ir_version, opset=args.opset)
    (ir_from, ir_to), (opset_from, opset_to) = result.ir_version, result.opset
    print(f"wrote {args.out}: IR version {ir_from} -> {ir_to}, opset {opset_from} -> {opset_to}")
    for note in result.notes:
        print(f"  note: {note}")
    return EXIT_OK


def _lib(args: argparse.Namespace) -> int:
    from symreg import tools

    info = tools.library_info()
    if info.path is None:
        raise FileNotFoundError(info.error)
    if args.path:
        print(info.path)
        return EXIT_OK
    loads = "loads it" if info.error is None else f"cannot load it: {info.error}"
    print(f"library:               {info.path}")
    print(f"minimum onnxruntime:   {info.min_ort_version}")
    print(f"installed onnxruntime: {info.ort_version} ({loads})")
    print(f"custom ops:            {', '.join(info.ops) or 'none'}")
    return EXIT_OK if info.error is None else EXIT_FAILURE


def _view(args: argparse.Namespace) -> int:
    try:
        import netron
    except ImportError:
        print(
            'symreg: error: `symreg view` needs netron: pip install netron (or pip install "symreg-onnx[view]")',
            file=sys.stderr,
        )
        return EXIT_FAILURE
    import logging

    from symreg import tools

    tools.load(args.model, external_data=False)  # the usual errors for a missing or non-ONNX file
    # Ctrl-C stops serving even if this process inherited SIGINT blocked or ignored.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    signal.signal(signal.SIGINT, signal.default_int_handler)
    logging.getLogger("netron").setLevel(logging.WARNING)  # we print the URL ourselves
    address = netron.start(str(args.model), address=(args.host, args.port), browse=not args.no_browser and _styled())
    try:  # from here on a Ctrl-C must stop the server, or its thread keeps the process alive
        print(f"serving {args.model} at http://{address[0]}:{address[1]}", flush=True)
        if args.serve_seconds is None:
            print("press Ctrl-C to stop", flush=True)
            while True:
                time.sleep(3600)
        time.sleep(max(0.0, args.serve_seconds))
    except KeyboardInterrupt:
        pass
    finally:
        netron.stop(address)
    return EXIT_OK


# --- helpers -----------------------------------------------------------------------------


def opset_ranges(opsets: Sequence[int]) -> str:
    """The opsets rules start at, as ranges: ``(9,)`` -> ``"9+"``, ``(9, 13)`` -> ``"9-12, 13+"``."""
    opsets = sorted(opsets)
    parts = [f"{a}-{b - 1}" if b - 1 > a else str(a) for a, b in itertools.pairwise(opsets)]
    return ", ".join([*parts, f"{opsets[-1]}+"]) if opsets else "-"


def _signature(schema) -> str:
    types = dict(schema.types)
    if len(types) == 1:
        ((_, allowed),) = types.items()
        return ", ".join(t[len("tensor(") : -1] for t in allowed)
    return "; ".join(f"{p}: {', '.join(t[len('tensor(') : -1] for t in a)}" for p, a in types.items())


class _UsageError(ValueError):
    pass


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of tensor names")
    return names


def _shape(text: str) -> tuple[str, tuple[int, ...]]:
    from symreg.tools import _feeds

    try:
        return _feeds.parse_shape(text)
    except _feeds.FeedError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} must be >= 1")
    return value


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port number (0..65535)")
    return value


def _import_modules(names: Sequence[str]) -> None:
    for name in names:
        try:
            if name.endswith(".py"):
                path = Path(name)
                if not path.is_file():
                    raise FileNotFoundError(f"--import {name}: no such file")
                spec = importlib.util.spec_from_file_location(path.stem, path)
                module = importlib.util.module_from_spec(spec)
                sys.modules[path.stem] = module
                spec.loader.exec_module(module)
            else:
                importlib.import_module(name)
        except (ImportError, FileNotFoundError):
            raise
        except Exception as e:
            raise ImportError(f"--import {name}: {type(e).__name__}: {e}") from e


def _styled() -> bool:
    return _table.is_terminal(sys.stdout)


def _print(text: str, *, markup: bool = False) -> None:
    if markup:
        from rich.console import Console

        Console(highlight=False, soft_wrap=True).print(text)
    else:
        print(text)


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


@contextlib.contextmanager
def _progress() -> Iterator[Callable[[str], None]]:
    """Yields ``step(message)``; on a terminal, a spinner on stderr shows the current step."""
    if not _table.is_terminal(sys.stderr):
        yield lambda message: None
        return
    from rich.console import Console

    with Console(stderr=True).status("working") as status:
        yield lambda message: status.update(f"{message}...")
