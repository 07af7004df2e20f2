"""Op coverage of torch.onnx alone and with symreg, over torch's OpInfo database.

Every deterministic op of ``op_db`` runs alone, with up to ``--samples`` float32
samples, through the TorchScript exporter at opsets 11 and 17 and the dynamo exporter
at opset 18, each with torch alone and with symreg (in separate processes: importing
symreg registers its rules with torch). Outcomes are cached per (op, run) under a key
of the versions and the code involved, so a rerun after a symreg change redoes only
the symreg runs; a fresh checkout takes the torch-alone results from the committed
``docs/coverage.json`` when that records the same torch-alone fingerprint. Run from the repository root with symreg installed (``make install``)::

    .venv/bin/python scripts/coverage.py                    # the sweep -> docs/coverage.json, docs/coverage.md
    .venv/bin/python scripts/coverage.py --ops sinh,max --runs ts11    # some ops, printed, nothing written
    .venv/bin/python scripts/coverage.py --report-only      # docs/coverage.md from docs/coverage.json
    .venv/bin/python scripts/coverage.py --update-baseline  # tests/ops/coverage_baseline.json from the json

The pieces live in ``scripts/coverage/``: ``cov_ops.py`` (one op through one run, run in
worker processes), ``cov_pool.py`` (workers that survive crashes and hangs),
``cov_report.py`` (totals, changes, the markdown page, the baseline), ``cov_openvino.py``
(the column of symreg's ts17 models run by OpenVINO instead of ONNX Runtime: a report, not
a gate; mode ``openvino``, which needs ``pip install openvino``).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "coverage"))  # cov_* live there

import cov_openvino
import cov_ops
import cov_pool
import cov_report

REPO = Path(__file__).resolve().parent.parent
JSON = REPO / "docs" / "coverage.json"
MARKDOWN = REPO / "docs" / "coverage.md"
BASELINE = REPO / "tests" / "ops" / "coverage_baseline.json"
DISTRIBUTIONS = ("torch", "torchvision", "onnx", "onnxruntime", "onnxscript", "numpy", "symreg")
#: Distribution names unlike the import names (symreg's is symreg._meta.DISTRIBUTION; this script never imports symreg).
_DISTRIBUTION_NAMES = {"symreg": "symreg-onnx"}
#: Measured on ts17, torch alone (636 ops with samples): the outcome with the first 3 samples is the
#: outcome with 6 for 620 ops, with 1 sample for 578; dynamo exports cost ~1 s per sample.
DEFAULT_SAMPLES = 3
#: Every mode: torch alone and with symreg in ONNX Runtime, symreg's ts17 models in OpenVINO.
ALL_MODES = (*cov_ops.MODES, cov_openvino.MODE)
#: What the document keeps of a task's result.
PUBLIC = ("outcome", "reason", "per_sample")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ops", type=_names, help="comma-separated OpInfo names (a name selects all its variants)")
    parser.add_argument("--runs", type=_names, default=list(cov_ops.RUNS), help="of " + ",".join(cov_ops.RUNS))
    parser.add_argument("--modes", type=_names, default=list(ALL_MODES), help="of " + ",".join(ALL_MODES))
    parser.add_argument("--samples", type=int, default=DEFAULT_SAMPLES, help="samples per op (default %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per op and run (default %(default)s)")
    parser.add_argument("--cache", type=Path, default=Path(sys.prefix) / "symreg-coverage-cache", help="cache folder")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write cached results")
    parser.add_argument("--report-only", action="store_true", help="write docs/coverage.md from docs/coverage.json")
    parser.add_argument("--update-baseline", action="store_true", help="write the baseline from docs/coverage.json")
    args = parser.parse_args(argv)
    for given, known, flag in ((args.runs, cov_ops.RUNS, "--runs"), (args.modes, ALL_MODES, "--modes")):
        if not set(given) <= set(known):
            parser.error(f"{flag}: unknown {', '.join(sorted(set(given) - set(known)))}; choose of {', '.join(known)}")
    if cov_openvino.MODE in args.modes and not (args.report_only or args.update_baseline) and not cov_openvino.version():
        parser.error("mode openvino needs OpenVINO: `.venv/bin/python -m pip install openvino` (make coverage does)")
    if args.samples < 1 or args.jobs < 1:
        parser.error("--samples and --jobs must be at least 1")
    return args


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


# --- versions, fingerprints, cache ------------------------------------------------------------


def versions() -> dict[str, str | None]:
    """Python's version and the installed versions of :data:`DISTRIBUTIONS` (None: not installed)."""
    found: dict[str, str | None] = {"python": platform.python_version()}
    for name in DISTRIBUTIONS:
        try:
            found[name] = importlib.metadata.version(_DISTRIBUTION_NAMES.get(name, name))
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def symreg_hash() -> str:
    """SHA-256 of the installed symreg package's files (found without importing symreg).

    Raises:
        RuntimeError: symreg is not installed, or would be imported from the source tree.
    """
    spec = importlib.util.find_spec("symreg")
    if spec is None or spec.origin is None:
        raise RuntimeError("coverage: symreg is not installed; run `make install` first")
    root = Path(spec.origin).resolve().parent
    if root == REPO / "symreg":
        raise RuntimeError(f"coverage: symreg would come from the source tree {root}; use the installed wheel")
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def fingerprint(mode: str, found: dict[str, str | None], symreg: str) -> str:
    """What a cached result of ``mode`` depends on: versions, the op-side code, symreg's code (not for torch)."""
    if mode == cov_openvino.MODE:
        key = {
            "versions": {**found, "openvino": cov_openvino.version()},
            "code": [hashlib.sha256(Path(m.__file__).read_bytes()).hexdigest() for m in (cov_ops, cov_openvino)],
            "symreg": symreg,
        }
        return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()
    key = {
        "versions": {k: v for k, v in found.items() if k != "symreg" or mode == "symreg"},
        "code": hashlib.sha256(Path(cov_ops.__file__).read_bytes()).hexdigest(),
        "symreg": symreg if mode == "symreg" else None,
    }
    return hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()


class Cache:
    """Results of one mode by (op, run, samples), appended to one JSON-lines file per fingerprint."""

    def __init__(self, folder: Path | None, mode: str, key: str) -> None:
        self.path = folder / f"{mode}-{key[:16]}.jsonl" if folder else None
        self.results: dict[tuple[str, str, int], dict] = {}
        if self.path and self.path.exists():
            for line in self.path.read_text().splitlines():
                entry = json.loads(line)
                self.results[(entry["op"], entry["run"], entry["samples"])] = entry["result"]

    def discard(self) -> None:
        """Forgets every result of this fingerprint (they are not what it says)."""
        self.results.clear()
        if self.path:
            self.path.unlink(missing_ok=True)

    def put(self, task: tuple[str, str, int], result: dict) -> None:
        self.results[task] = result
        if self.path:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as f:
                f.write(json.dumps({"op": task[0], "run": task[1], "samples": task[2], "result": result}) + "\n")


def seed_from_document(cache: Cache, path: Path, key: str, samples: int) -> int:
    """Fills a torch-alone ``cache`` from the committed document when that was made with the
    same fingerprint (versions and op-side code) and sample count; returns how many it added.

    torch alone does not depend on symreg, so a fresh checkout need not redo that half of the
    sweep (about an hour on 2 cores).
    """
    if not path.exists():
        return 0
    doc = json.loads(path.read_text())
    if doc.get("fingerprints", {}).get("torch") != key or doc.get("criteria", {}).get("samples") != samples:
        return 0
    found = {
        (op, run, samples): {**by_mode["torch"], "samples": entry["samples"]}
        for op, entry in doc["ops"].items()
        for run, by_mode in entry["results"].items()
        if "torch" in by_mode
    }
    found |= {(op, run, samples): {"excluded": reason} for op, reason in doc["excluded"].items() for run in doc["runs"]}
    count = 0
    for task, result in found.items():
        if task not in cache.results:
            cache.put(task, result)
            count += 1
    print(f"[torch] {count} results taken from {path.name} (same fingerprint)", file=sys.stderr)
    return count


# --- the sweep ----------------------------------------------------------------------------------


def lost_result(lost: cov_pool.Lost, runtime: str = "ONNX Runtime") -> dict:
    """The result of a task whose worker crashed or timed out: a failure at the stage it was in
    (``runtime``: what the "ort" stage runs the model in)."""
    stage = lost.stage or "samples"
    where = {"samples": "preparing samples", "export": "exporting", "ort": f"in {runtime}", "compare": "comparing"}
    return {
        "outcome": cov_ops.STAGE_OUTCOMES[stage],
        "reason": cov_ops.truncate(f"{lost.what} while {where[stage]}"),
        "samples": None,
        "per_sample": [],
    }


class SymregChanged(RuntimeError):
    """The installed symreg changed while its results were being computed."""


def watch_symreg(expected: str, every: float = 60.0) -> Callable[[bool], None]:
    """A check to call often (``force`` to check now): raises :class:`SymregChanged` once the
    installed symreg no longer hashes to ``expected`` (someone reinstalled it mid-sweep)."""
    last = time.monotonic()

    def check(force: bool = False) -> None:
        nonlocal last
        if force or time.monotonic() - last >= every:
            last = time.monotonic()
            if (now := symreg_hash()) != expected:
                raise SymregChanged(f"symreg was reinstalled during the sweep ({expected[:12]} -> {now[:12]})")

    return check


class Progress:
    """A line on stderr every so often: tasks done, elapsed, expected end."""

    def __init__(self, mode: str, total: int) -> None:
        self.mode, self.total, self.done, self.start, self.last = mode, total, 0, time.monotonic(), 0.0

    def tick(self, task: tuple, result: dict, lost: bool) -> None:
        self.done += 1
        now = time.monotonic()
        if lost:
            print(f"  {self.mode} {task[0]} {task[1]}: {result['outcome']}: {result['reason']}", file=sys.stderr)
        if now - self.last >= 30 or self.done == self.total:
            self.last, elapsed = now, now - self.start
            left = elapsed / self.done * (self.total - self.done)
            print(
                f"[{self.mode}] {self.done}/{self.total} tasks, {elapsed / 60:.1f} min, ~{left / 60:.0f} min left",
                file=sys.stderr,
            )


def run_mode(mode: str, tasks: list[tuple[str, str, int]], cache: Cache, args: argparse.Namespace, symreg: str) -> dict:
    """Runs the tasks not in ``cache`` in workers of ``mode``; returns every task's result.

    Raises:
        SymregChanged: (mode "symreg") the installed symreg stopped hashing to ``symreg``;
            the cache of this fingerprint is discarded, as it may hold results of either.
    """
    results = {t: cache.results[t] for t in tasks if t in cache.results}
    todo = [t for t in tasks if t not in results]
    print(f"[{mode}] {len(todo)} tasks to run, {len(results)} cached", file=sys.stderr)
    progress = Progress(mode, len(todo))

    def on_result(task: tuple[str, str, int], result: Any) -> None:
        lost = isinstance(result, cov_pool.Lost)
        timed_out = lost and result.what.startswith("timed out")
        if lost:
            result = lost_result(result, "OpenVINO" if mode == cov_openvino.MODE else "ONNX Runtime")
        if not timed_out:  # a timeout may pass on a less busy machine: try again next time
            cache.put(task, result)
        results[task] = result
        progress.tick(task, result, lost)
        check()

    check = watch_symreg(symreg) if mode != "torch" else lambda force=False: None
    # dynamo tasks first: they are the long ones, so the workers finish together
    todo.sort(key=lambda t: cov_ops.RUNS[t[1]][0] != "dynamo")
    worker = cov_openvino if mode == cov_openvino.MODE else cov_ops
    try:
        pool_args = {"init": worker.init_worker, "init_args": (mode,), "handle": worker.handle}
        cov_pool.run(todo, **pool_args, on_result=on_result, jobs=args.jobs, timeout=args.timeout)
        check(force=True)
    except SymregChanged:
        cache.discard()
        raise
    return results


def applies(mode: str, run: str) -> bool:
    """Whether ``mode`` has results for ``run`` (OpenVINO runs symreg's ts17 models only)."""
    return mode != cov_openvino.MODE or run == cov_openvino.RUN


def document(keys: list[str], results: dict[str, dict], args: argparse.Namespace, meta: dict) -> dict:
    """The coverage document (see ``cov_report``) of the sweep's results."""
    ops, excluded = {}, {}
    for key in keys:
        cells = {
            run: {mode: results[mode][(key, run, args.samples)] for mode in args.modes if applies(mode, run)}
            for run in args.runs
        }
        flat = [cell for by_mode in cells.values() for cell in by_mode.values()]
        random = next((cell["excluded"] for cell in flat if "excluded" in cell), None)
        if random:
            excluded[key] = random
            continue
        samples = max(cell.get("samples") or 0 for cell in flat)
        public = {
            run: {mode: {k: v for k, v in cell.items() if k in PUBLIC and v is not None} for mode, cell in m.items()}
            for run, m in cells.items()
        }
        ops[key] = {"samples": samples, "results": public}
    task_s = {
        mode: round(sum(r.get("seconds") or 0 for r in results[mode].values() if "outcome" in r)) for mode in args.modes
    }
    criteria = {"dtype": "float32", "samples": args.samples, "rtol": cov_ops.RTOL, "atol": cov_ops.ATOL}
    criteria |= {"timeout_s": args.timeout, "seeds": list(cov_ops.SEEDS)}
    runs = {run: {"exporter": cov_ops.RUNS[run][0], "opset": cov_ops.RUNS[run][1]} for run in args.runs}
    openvino = {"openvino": {"run": cov_openvino.RUN}} if cov_openvino.MODE in args.modes else {}
    return {
        "format": 1,
        **meta,
        **openvino,
        "task_s": task_s,
        "jobs": args.jobs,
        "criteria": criteria,
        "runs": runs,
        "modes": [mode for mode in args.modes if mode in cov_ops.MODES],
        "ops": ops,
        "excluded": excluded,
    }


def sweep(args: argparse.Namespace, argv: list[str]) -> dict:
    """Runs the selected ops through the selected runs and modes; returns the document."""
    start = time.monotonic()
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # inherited by the workers
    found, code = versions(), symreg_hash()
    keys = cov_ops.select(list(cov_ops.load_ops()), args.ops)
    folder = None if args.no_cache else args.cache
    results = {}
    fingerprints = {mode: fingerprint(mode, found, code) for mode in args.modes}
    for mode in args.modes:
        tasks = [(key, run, args.samples) for key in keys for run in args.runs if applies(mode, run)]
        cache = Cache(folder, mode, fingerprints[mode])
        if mode == "torch" and folder is not None:
            seed_from_document(cache, JSON, fingerprints[mode], args.samples)
        results[mode] = run_mode(mode, tasks, cache, args, code)
    meta = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["scripts/coverage.py", *argv]),
        "wall_s": round(time.monotonic() - start),
        "versions": {**found, **({"openvino": cov_openvino.version()} if cov_openvino.MODE in args.modes else {})},
        "symreg_hash": code,
        "fingerprints": {"torch": fingerprints["torch"]} if "torch" in fingerprints else {},
    }
    return document(keys, results, args, meta)


def summary(doc: dict) -> str:
    """The outcomes and reasons of a (partial) sweep, for the terminal."""
    columns = cov_report.columns(doc)
    width = max([len(op) for op in doc["ops"]] + [2])
    lines = [f"{'op':{width}}  " + "  ".join(f"{f'{run} {mode}':16}" for run, mode in columns)]
    for op, entry in doc["ops"].items():
        cells = [entry["results"][run][mode] for run, mode in columns]
        lines.append(f"{op:{width}}  " + "  ".join(f"{cell['outcome']:16}" for cell in cells))
        lines += [f"  {run} {mode}: {cell['reason']}" for (run, mode), cell in zip(columns, cells) if "reason" in cell]
    lines += [f"{op}: excluded: {reason}" for op, reason in doc["excluded"].items()]
    return "\n".join(lines)


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path.relative_to(REPO)}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.report_only or args.update_baseline:
        if not JSON.exists():
            sys.exit(f"coverage: {JSON.relative_to(REPO)} is missing; run the sweep first")
        doc = json.loads(JSON.read_text())
        if args.report_only:
            write(MARKDOWN, cov_report.render(doc))
        if args.update_baseline:
            write(BASELINE, cov_report.to_json(cov_report.baseline(doc)))
        return 0
    try:
        doc = sweep(args, argv)
    except SymregChanged as e:
        sys.exit(f"coverage: {e}; its results are discarded. Run again once symreg stays put.")
    complete = not args.ops and set(args.runs) == set(cov_ops.RUNS) and set(cov_ops.MODES) <= set(args.modes)
    if not complete:
        print(summary(doc))
        return 0
    write(JSON, cov_report.to_json(doc))
    write(MARKDOWN, cov_report.render(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
