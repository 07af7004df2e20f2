"""What a coverage document says: totals, what symreg changes, the markdown page, the baseline.

A coverage document is the JSON that ``scripts/coverage.py`` writes (``docs/coverage.json``):
``ops[op]["results"][run][mode]`` holds ``{"outcome", "reason", ...}`` for every op that
was swept, ``excluded[op]`` the reason an op was left out. With ``doc["openvino"]``, run
``doc["openvino"]["run"]`` also has mode ``"openvino"``: symreg's model run by OpenVINO. Everything here is a pure
function of that document, so that the page and the checks can be regenerated from it.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

#: Outcome -> (code in the op table, meaning).
LEGEND = {
    "pass": ("✓", "exports, runs in ONNX Runtime and matches eager on every sample"),
    "mismatch": ("M", "runs, but an output differs from eager (values, NaN/inf places, shape or dtype)"),
    "ort-fail": ("R", "exported, but the runtime refuses the model or fails running it"),
    "export-fail": ("E", "the exporter refuses the op or raises"),
    "no-sample": ("·", "no usable float32 sample (reason below)"),
}
MODE_TITLES = {"torch": "torch", "symreg": "+symreg", "openvino": "+symreg in OpenVINO"}


def columns(doc: dict) -> list[tuple[str, str]]:
    """Every (run, mode) the document has results for: each run in each mode, then OpenVINO's run."""
    found = [(run, mode) for run in doc["runs"] for mode in doc["modes"]]
    if "openvino" in doc and doc["openvino"]["run"] in doc["runs"]:
        found.append((doc["openvino"]["run"], "openvino"))
    return found


def outcome(doc: dict, op: str, run: str, mode: str) -> str:
    return doc["ops"][op]["results"][run][mode]["outcome"]


def totals(doc: dict) -> dict[str, dict[str, dict[str, int]]]:
    """``totals[run][mode][outcome]``: how many swept ops ended so."""
    counts: dict[str, dict[str, dict[str, int]]] = {run: {} for run in doc["runs"]}
    for run, mode in columns(doc):
        counts[run][mode] = dict.fromkeys(LEGEND, 0)
        for op in doc["ops"]:
            counts[run][mode][outcome(doc, op, run, mode)] += 1
    return counts


def changes(doc: dict) -> Iterator[tuple[str, str, str, str]]:
    """(op, run, outcome alone, outcome with symreg) wherever symreg changes the outcome."""
    for op in sorted(doc["ops"]):
        for run in doc["runs"]:
            alone, with_symreg = outcome(doc, op, run, "torch"), outcome(doc, op, run, "symreg")
            if alone != with_symreg:
                yield op, run, alone, with_symreg


def gained(doc: dict) -> list[tuple[str, str]]:
    """(op, run) that pass with symreg and fail without: the claims of the report."""
    return [(op, run) for op, run, alone, new in changes(doc) if new == "pass"]


def baseline(doc: dict) -> dict[str, Any]:
    """The reduced document that CI holds the report to: op -> runs that pass with symreg."""
    passing = {
        op: [run for run in doc["runs"] if outcome(doc, op, run, "symreg") == "pass"] for op in sorted(doc["ops"])
    }
    return {
        "format": 1,
        "about": "Op x run that pass with symreg in docs/coverage.json; tests/test_coverage.py fails when one stops "
        "passing. Written by `scripts/coverage.py --update-baseline`.",
        "versions": doc["versions"],
        "pass_with_symreg": {op: runs for op, runs in passing.items() if runs},
    }


def regressions(base: dict, doc: dict) -> list[tuple[str, str, str]]:
    """(op, run, what it is now) for every baseline pass that the document no longer has."""
    lost = []
    for op, runs in sorted(base["pass_with_symreg"].items()):
        for run in runs:
            if op not in doc["ops"]:
                lost.append((op, run, "excluded: " + doc["excluded"][op] if op in doc["excluded"] else "missing"))
            elif run not in doc["runs"]:
                lost.append((op, run, "run missing"))
            elif (now := outcome(doc, op, run, "symreg")) != "pass":
                lost.append((op, run, now))
    return lost


def to_json(doc: dict) -> str:
    """``doc`` as JSON with one line per op (``ops``, ``excluded``, ``pass_with_symreg``): short, diffable."""
    fields = []
    for key, value in doc.items():
        if key in ("ops", "excluded", "pass_with_symreg") and value:
            rows = ",\n".join(f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}" for k, v in value.items())
            fields.append(f" {json.dumps(key)}: {{\n{rows}\n }}")
        else:
            fields.append(f" {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}")
    return "{\n" + ",\n".join(fields) + "\n}\n"


# --- markdown -------------------------------------------------------------------------------


def escape(text: str) -> str:
    """``text`` safe inside a GitHub markdown table cell."""
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return " ".join(text.split())


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(row) + " |" for row in rows]


def _column(run: str, mode: str) -> str:
    return f"{run} {MODE_TITLES[mode]}"


def _sentences(*parts: str) -> str:
    return " ".join(parts)


def _header(doc: dict) -> list[str]:
    v, c = doc["versions"], doc["criteria"]
    date = datetime.datetime.fromisoformat(doc["generated"]).strftime("%Y-%m-%d %H:%M UTC")
    swept, excluded = len(doc["ops"]), len(doc["excluded"])
    runs = ", ".join(f"`{r}` ({x['exporter']}, opset {x['opset']})" for r, x in doc["runs"].items())
    task_s = doc["task_s"]
    return [
        "# Op coverage: torch.onnx alone and with symreg",
        "",
        "<!-- Generated by scripts/coverage.py from docs/coverage.json: do not edit by hand. -->",
        "",
        _sentences(
            "Which ops of torch's OpInfo database export to ONNX and match eager PyTorch in ONNX Runtime,",
            "with torch's exporters alone and with symreg. Regenerate the sweep with `make coverage`,",
            "this page alone with `.venv/bin/python scripts/coverage.py --report-only`.",
        ),
        "",
        _sentences(
            f"- **Produced** by `{doc['command']}` on {date}, in {_duration(doc['wall_s'])} with {doc['jobs']} worker",
            "processes. Results of unchanged code and versions come from a cache; computing all of them took",
            f"{_duration(task_s['torch'])} torch alone and {_duration(task_s['symreg'])} with symreg (one process).",
        ),
        _sentences(
            f"- **Versions**: torch {v['torch']}, onnx {v['onnx']}, onnxruntime {v['onnxruntime']},",
            f"onnxscript {v['onnxscript']}, symreg {v['symreg']} (hash of its installed files",
            f"`{doc['symreg_hash'][:12]}`), Python {v['python']}.",
        ),
        _sentences(
            "- **Ops**: every entry of `torch.testing._internal.common_methods_invocations.op_db`",
            f"({swept + excluded} entries, variants as `name:variant`): {swept} swept, {excluded} excluded as random.",
        ),
        _sentences(
            f'- **Samples**: the first {c["samples"]} usable samples of `op.sample_inputs("cpu", torch.float32)`',
            f"(seed {c['seeds'][0]}); usable: eager PyTorch runs it and returns only strided tensors. Each sample",
            "is a module whose `forward` calls `op.op(input, *args, **kwargs)`; tensors, also inside lists and",
            "tuples, are graph inputs, everything else is a constant; shapes are static.",
        ),
        _sentences(
            f"- **Runs**: {runs}. *torch*: `torch.onnx.export` and `onnxruntime.InferenceSession`, in processes",
            "that never import symreg; *+symreg*: `symreg.export` and `symreg.ort.InferenceSession`.",
            *(
                [
                    f"*+symreg in OpenVINO*: the `{doc['openvino']['run']}` +symreg model run by OpenVINO's CPU runtime",
                    f"(`openvino` {doc['versions'].get('openvino')}, one thread), compared alike: a report of which",
                    "lowerings run outside ONNX Runtime, not a gate.",
                ]
                if "openvino" in doc
                else []
            ),
        ),
        _sentences(
            "- **Pass**: every sample exports, runs in ONNX Runtime (CPU, one thread) and matches eager: same",
            "output count, shapes and dtypes, NaN and infinities at the same places, other values within",
            f"{c['atol']:g} + {c['rtol']:g} × \\|eager\\|, integers and booleans equal. Otherwise the first",
            f"failing sample gives the outcome. A task that crashes its worker or runs over {c['timeout_s']:g} s",
            "fails at the stage it was in.",
        ),
        _sentences(
            '- **Random ops** are excluded: OpInfo marks them "output is non-deterministic" (qualified marks',
            "too), or a chosen sample's eager outputs differ between",
            f"`torch.manual_seed({c['seeds'][0]})` and `torch.manual_seed({c['seeds'][1]})`, or its eager run calls",
            "an ATen op tagged `nondeterministic_seeded` (it draws random numbers; this catches ops that OpInfo",
            "reseeds inside `op.op`).",
        ),
    ]


def _duration(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def _totals_section(doc: dict) -> list[str]:
    counts, swept = totals(doc), len(doc["ops"])
    rows = []
    for run in doc["runs"]:
        alone, new = counts[run]["torch"]["pass"], counts[run]["symreg"]["pass"]
        ups = sum(1 for _, r, a, n in changes(doc) if r == run and n == "pass")
        downs = sum(1 for _, r, a, n in changes(doc) if r == run and a == "pass")
        rows.append(
            [f"`{run}`", f"{alone} ({alone / swept:.0%})", f"{new} ({new / swept:.0%})", f"+{ups}", f"−{downs}"]
        )
    detail = [[LEGEND[o][0] + " " + o] + [str(counts[run][mode][o]) for run, mode in columns(doc)] for o in LEGEND]
    lines = ["", "## Totals", "", f"Ops passing, of {swept} swept:", ""]
    lines += _table(["run", "torch alone", "with symreg", "gained", "lost"], rows)
    if "openvino" in doc:
        run = doc["openvino"]["run"]
        in_ort = {op for op in doc["ops"] if outcome(doc, op, run, "symreg") == "pass"}
        both = sum(1 for op in in_ort if outcome(doc, op, run, "openvino") == "pass")
        lines += [
            "",
            _sentences(
                f"**OpenVINO** (a report, not a gate): of the {len(in_ort)} ops whose `{run}` model with symreg",
                f"passes in ONNX Runtime, {both} also pass in OpenVINO's CPU runtime",
                f"({doc['versions'].get('openvino')}); the column `{_column(run, 'openvino')}` below says which.",
            ),
        ]
    return lines + ["", "Every outcome:", ""] + _table(["outcome"] + [_column(r, m) for r, m in columns(doc)], detail)


def _changes_section(doc: dict) -> list[str]:
    found = list(changes(doc))
    better = [(op, run) for op, run, _, new in found if new == "pass"]
    worse = [(op, run, a, n) for op, run, a, n in found if a == "pass"]
    other = [(op, run, a, n) for op, run, a, n in found if a != "pass" and n != "pass"]
    lines = ["", "## What symreg changes", "", "**Pass only with symreg**:", ""]
    for run in doc["runs"]:
        ops = [op for op, r in better if r == run]
        lines.append(f"- `{run}` ({len(ops)}): " + (", ".join(f"`{op}`" for op in ops) or "none"))
    lines += [
        "",
        "**Worse with symreg** (passes alone, fails with symreg; a red flag): " + ("none." if not worse else ""),
    ]
    reason = _reasons_by_cell(doc)
    if worse:
        rows = [[f"`{op}`", f"`{run}`", n, escape(reason.get((op, run, "symreg"), ""))] for op, run, _, n in worse]
        lines += [""] + _table(["op", "run", "with symreg", "reason"], rows)
    lines += ["", "**Failing either way, differently**: " + ("none." if not other else "")]
    if other:
        rows = [[f"`{op}`", f"`{run}`", a, n, escape(reason.get((op, run, "symreg"), ""))] for op, run, a, n in other]
        lines += [""] + _table(["op", "run", "torch alone", "with symreg", "reason with symreg"], rows)
    return lines


def _reasons_by_cell(doc: dict) -> dict[tuple[str, str, str], str]:
    return {
        (op, run, mode): result["reason"]
        for op, entry in doc["ops"].items()
        for run, by_mode in entry["results"].items()
        for mode, result in by_mode.items()
        if result.get("reason")
    }


def _ops_section(doc: dict) -> list[str]:
    legend = " · ".join(f"{code} {name}" for name, (code, _) in LEGEND.items())
    rows = []
    for op in sorted(doc["ops"]):
        cells = []
        for run, mode in columns(doc):
            o = outcome(doc, op, run, mode)
            code = LEGEND[o][0]
            cells.append(f"**{code}**" if mode == "symreg" and o != outcome(doc, op, run, "torch") else code)
        rows.append([f"`{op}`", str(doc["ops"][op]["samples"])] + cells)
    explained = [f"- {code} **{name}**: {meaning}" for name, (code, meaning) in LEGEND.items()]
    return (
        ["", "## All ops", "", f"Legend: {legend}. Bold: symreg changes the outcome.", ""]
        + explained
        + [""]
        + _table(["op", "samples"] + [_column(run, mode) for run, mode in columns(doc)], rows)
    )


def _reasons_section(doc: dict) -> list[str]:
    rows = []
    for op in sorted(doc["ops"]):
        where: dict[str, list[str]] = {}
        for run, by_mode in doc["ops"][op]["results"].items():
            for mode, result in by_mode.items():
                if result["outcome"] != "pass":
                    where.setdefault(f"{result['outcome']}: {result.get('reason') or ''}", []).append(
                        _column(run, mode)
                    )
        rows += [[f"`{op}`", ", ".join(cols), escape(reason)] for reason, cols in where.items()]
    return [
        "",
        "## Failure reasons",
        "",
        f"<details><summary>The first failing sample's reason, per op and run ({len(rows)} rows)</summary>",
        "",
        *_table(["op", "where", "outcome: reason"], rows),
        "",
        "</details>",
    ]


def _excluded_section(doc: dict) -> list[str]:
    rows = [[f"`{op}`", escape(reason)] for op, reason in sorted(doc["excluded"].items())]
    return ["", "## Excluded: random ops", ""] + (_table(["op", "why"], rows) if rows else ["None."])


def render(doc: dict) -> str:
    """The markdown page (``docs/coverage.md``) of a coverage document."""
    sections = [_header(doc), _totals_section(doc), _changes_section(doc), _ops_section(doc)]
    sections += [_reasons_section(doc), _excluded_section(doc)]
    return "\n".join(line for section in sections for line in section) + "\n"
