"""Measures the reliability checks and writes their figures into docs/reliability.md.

Run from the repository root with symreg installed (``make install``)::

    .venv/bin/python scripts/reliability.py                      # fuzz, concurrency, lifetimes, hostile files
    .venv/bin/python scripts/reliability.py --sanitize           # also make sanitize (a second, instrumented build)
    .venv/bin/python scripts/reliability.py --steps sanitize --sanitize-log build/sanitize.log  # an earlier run's
    .venv/bin/python scripts/reliability.py --fuzz-examples 2000 --lifetimes 5000

Each check runs its tests in a pytest child process (a crash is a recorded failure, not the end of the
script): the fuzz harness with ``--fuzz-examples`` hypothesis examples per op in every ISA build this CPU
has, the concurrency test, the session lifetimes (``--lifetimes`` sessions per series, RSS read by the
child) and the CLI's hostile files; with ``--sanitize``, scripts/sanitize.sh (ASan + UBSan, every ISA
build). In the page's block between the ``reliability:figures`` markers, the sections of the checks run
are replaced and the others kept (``--steps`` picks the checks); the rest of the page is written by hand.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import onnx

REPO = Path(__file__).resolve().parent.parent
PAGE = REPO / "docs" / "reliability.md"
BEGIN, END = "<!-- reliability:figures:begin -->", "<!-- reliability:figures:end -->"
TESTS = REPO / "tests"


def _counts(junit: Path) -> collections.Counter:
    counts = collections.Counter()
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            kinds = [c.tag for c in case if c.tag in ("failure", "error", "skipped")]
            counts[kinds[0] if kinds else "passed"] += 1
    return counts


def _pytest(args: list[str], junit: Path, env: dict | None = None) -> tuple[int, dict, float]:
    """Runs pytest on ``args`` in a child; (exit status, {"passed", "failed", ...: count}, seconds)."""
    start = time.perf_counter()
    # The venv's pytest script, not `python -m pytest`, which would put the checkout (symreg/ without its compiled
    # parts) first on sys.path.
    pytest = Path(sys.executable).parent / "pytest"
    command = [str(pytest), "-q", "-p", "no:cacheprovider", f"--junitxml={junit}", *args]
    result = subprocess.run(command, cwd=REPO, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    counts = _counts(junit)
    if result.returncode not in (0, 1):
        sys.stderr.write(result.stdout[-3000:] + result.stderr[-3000:])
    return result.returncode, dict(counts), time.perf_counter() - start


def _tests(counts: dict) -> str:
    found = [f"{counts.get('passed', 0)} passed"]
    found += [f"{counts[k]} {k}" for k in ("failure", "error", "skipped") if counts.get(k)]
    return ", ".join(found)


def fuzz(examples: int, tmp: Path) -> list[str]:
    report = tmp / "fuzz.jsonl"
    status, counts, seconds = _pytest(
        [str(TESTS / "fuzz" / "test_fuzz.py")],
        tmp / "fuzz.xml",
        {"SYMREG_FUZZ_EXAMPLES": str(examples), "SYMREG_FUZZ_REPORT": str(report)},
    )
    cases: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    if report.exists():
        for line in report.read_text().splitlines():
            row = json.loads(line)
            outcome = "known finding" if row["outcome"].startswith("known:") else row["outcome"]
            cases[row["op"], row["isa"]][outcome] += row["cases"]
    isas = sorted({isa for _, isa in cases})
    ops = sorted({op for op, _ in cases})
    total = sum(sum(c.values()) for c in cases.values())
    crashes = sum(c["crash"] for c in cases.values())
    lines = [
        "### Fuzz harness",
        "",
        f"`make fuzz FUZZ_EXAMPLES={examples}` in effect: {examples} hypothesis examples per op, each run in every ISA "
        f"build this CPU has ({', '.join(isas) or 'none'}). {total:,} cases run through ONNX Runtime, "
        f"{crashes} crashes; tests: {_tests(counts)} ({seconds / 60:.1f} min, pytest exit {status}). Per op, cases "
        "per ISA build as matched (values as torch's) / refused (an error naming the op, where the case is invalid) "
        "/ other (known findings, crashes):",
        "",
        "| op | " + " | ".join(isas) + " |",
        "|---|" + "---|" * len(isas),
    ]
    for op in ops:
        cells = []
        for isa in isas:
            c = cases[op, isa]
            other = sum(c.values()) - c["matched"] - c["refused"]
            cells.append(f"{c['matched']} / {c['refused']} / {other}")
        lines.append(f"| `{op}` | " + " | ".join(cells) + " |")
    return lines


def sanitize(log_file: Path | None) -> list[str]:
    """Runs scripts/sanitize.sh (its log kept in build/sanitize.log), or reads the log of an earlier run."""
    start = time.perf_counter()
    if log_file is None:
        result = subprocess.run(["bash", "scripts/sanitize.sh"], cwd=REPO, capture_output=True, text=True)
        log, status = result.stdout + result.stderr, result.returncode
        (REPO / "build").mkdir(exist_ok=True)
        (REPO / "build" / "sanitize.log").write_text(log)
        took = f"{(time.perf_counter() - start) / 60:.0f} min with the build, "
    else:
        log, status, took = log_file.read_text(), None, ""
    reports = len(re.findall(r"ERROR: AddressSanitizer|runtime error:", log))
    summaries = re.findall(r"^=*\s*((?:\d+ \w+(?:, )?)+) in [\d.]+s", log, flags=re.M)
    tests = summaries[-1] if summaries else "no pytest summary in the log"
    ended = "" if status is None else f", exit {status}"
    return [
        "### Sanitizers",
        "",
        f"`make sanitize` (ASan + UBSan, every ISA build; the kernel, ORT-library, concurrency, lifetime and fuzz "
        f"tests against it): {reports} sanitizer reports; tests: {tests} ({took}log in build/sanitize.log{ended}).",
    ]


def concurrency(tmp: Path) -> list[str]:
    sys.path[:0] = [str(TESTS), str(TESTS / "kernels")]
    import test_ort_concurrency as tc

    status, counts, seconds = _pytest([str(TESTS / "test_ort_concurrency.py")], tmp / "concurrency.xml")
    nodes = onnx.load_from_string(tc._every_op_model(tc.DTYPES[0])).graph.node
    runs = 0
    for layout_threads in (8, 4):  # the test's two layouts
        runs += layout_threads * tc.FEEDS_PER_THREAD * tc.RUNS_PER_FEED * len(tc.DTYPES) * 2  # x 1 and 2 intra-op
    mismatched = counts.get("failure", 0) + counts.get("error", 0)
    return [
        "### Concurrency",
        "",
        f"One model with {len(nodes)} nodes ({len({n.op_type for n in nodes})} native ops, DeformConv2d with W "
        f"as input and as initializer): 8 threads on one session and 4 sessions in parallel, float32 and float64, "
        f"1 and 2 intra-op threads: {runs:,} concurrent runs, each compared bit for bit with a serial run; "
        f"tests: {_tests(counts)}, {mismatched} with a mismatch ({seconds:.0f} s).",
    ]


def lifetimes(count: int, tmp: Path) -> list[str]:
    sys.path[:0] = [str(TESTS), str(TESTS / "kernels")]
    import test_ort_lifetimes as tl

    folder = tmp / "lifetimes"
    folder.mkdir()
    start = time.perf_counter()
    measured = tl.measure(folder, count)
    lines = [
        "### Session lifetimes",
        "",
        f"{count:,} sessions created, run once and destroyed per series, in {tl.ROUNDS} rounds, after "
        f"{tl.WARMUP} to warm up; resident set read by the child after each round "
        f"({(time.perf_counter() - start) / 60:.1f} min). NativeOps: a node of every native op but DeformConv2d.",
        "",
        "| model | way | RSS growth over all | median round | per session (median round) |",
        "|---|---|---|---|---|",
    ]
    for key, value in measured.items():
        name, way = key.split("/", 1)
        growths = tl.round_growths(value["rss"])
        median = sorted(growths)[len(growths) // 2]
        lines.append(
            f"| {name} | `{way}` | {(value['rss'][-1] - value['rss'][0]) / 1e6:+.2f} MB | {median / 1e6:+.3f} MB "
            f"| {median / (count // tl.ROUNDS):+.0f} B |"
        )
    return lines


def hostile_files(tmp: Path) -> list[str]:
    sys.path[:0] = [str(TESTS)]
    import test_cli_hostile_files as th

    status, counts, seconds = _pytest([str(TESTS / "test_cli_hostile_files.py")], tmp / "hostile.xml")
    return [
        "### Hostile files",
        "",
        f"{len(th.UNREADABLE)} unreadable files ({', '.join(th.UNREADABLE)}) through inspect, check, extract, convert "
        f"and view; {len(th.BROKEN)} broken models ({', '.join(th.BROKEN)}) through inspect, check, extract and "
        f"convert; the {th.ZEROS_BYTES >> 20} MB file of zeros also in a process of its own, its peak RSS bounded "
        f"by {th.ZEROS_RSS_BOUND >> 20} MB. Tests: {_tests(counts)} ({seconds:.0f} s).",
    ]


def _header() -> list[str]:
    import onnxruntime
    import torch

    from symreg import _kernels

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return [
        f"Measured by `scripts/reliability.py` on {now}: {os.cpu_count()} CPUs, symreg's kernels run "
        f"`{_kernels.cpu_isa()}`, onnxruntime {onnxruntime.__version__}, torch {torch.__version__}.",
        "",
    ]


def _sections(lines: list[str]) -> dict[str, list[str]]:
    """The block's "### Title" sections by title, in order; lines before the first under ""."""
    found: dict[str, list[str]] = {"": []}
    title = ""
    for line in lines:
        if line.startswith("### "):
            title = line
            found[title] = []
        found[title].append(line)
    return found


def write(header: list[str], measured: list[list[str]]) -> None:
    """Replaces the measured sections of the page's figures block and keeps the others (from an earlier run
    with other --steps)."""
    page = PAGE.read_text()
    old = re.search(re.escape(BEGIN) + "\n(.*?)\n?" + re.escape(END), page, flags=re.S)
    sections = _sections(old.group(1).splitlines()) if old else {"": []}
    for lines in sections.values():  # the block's last section lost its blank line when the block was written
        if lines and lines[-1]:
            lines.append("")
    sections[""] = header
    for section in measured:
        sections[section[0]] = [*section, ""]
    body = [line for lines in sections.values() for line in lines]
    while body and not body[-1]:
        body.pop()
    block = "\n".join([BEGIN, *body, END])
    if old:
        page = page[: old.start()] + block + page[old.end() :]
    else:
        page = page.rstrip("\n") + "\n\n## Figures\n\n" + block + "\n"
    PAGE.write_text(page)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fuzz-examples", type=int, default=200, help="hypothesis examples per op (default 200)")
    parser.add_argument("--lifetimes", type=int, default=2000, help="sessions per lifetime series (default 2000)")
    parser.add_argument("--sanitize", action="store_true", help="also run make sanitize (long)")
    parser.add_argument("--sanitize-log", type=Path, help="report an earlier make sanitize run from its log instead")
    parser.add_argument("--steps", default="fuzz,concurrency,lifetimes,hostile",
                        help="comma-separated checks to run (of fuzz, concurrency, lifetimes, hostile, sanitize); "
                        "the page keeps the figures of the others")  # fmt: skip
    args = parser.parse_args(argv)
    chosen = set(args.steps.split(",")) | ({"sanitize"} if args.sanitize or args.sanitize_log else set())
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        steps = {
            "fuzz": lambda: fuzz(args.fuzz_examples, tmp),
            "concurrency": lambda: concurrency(tmp),
            "lifetimes": lambda: lifetimes(args.lifetimes, tmp),
            "hostile": lambda: hostile_files(tmp),
            "sanitize": lambda: sanitize(args.sanitize_log),
        }
        unknown = chosen - set(steps)
        if unknown:
            parser.error(f"--steps: unknown {', '.join(sorted(unknown))}; known: {', '.join(steps)}")
        measured = []
        for name, step in steps.items():
            if name in chosen:
                measured.append(step())
                print("\n".join(measured[-1]), end="\n\n", flush=True)
    write(_header(), measured)
    print(f"wrote {PAGE.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
