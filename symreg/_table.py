"""Tables for reports and the CLI: ``rich`` on a terminal, plain aligned text otherwise.

The one table helper of symreg. ``columns`` are header strings; ``rows`` are sequences
of cells of any type, formatted by :func:`cell` (floats with 3 significant digits,
None as empty). Columns whose cells are all numbers (or None) are right-aligned.
"""

from __future__ import annotations

import io
import math
import sys
from collections.abc import Iterable, Sequence
from typing import IO, Any

__all__ = ["cell", "is_terminal", "print_table", "render"]


def cell(value: Any) -> str:
    """Formats one table cell: floats with 3 significant digits, bools as yes/no, None as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        return f"{value:.3g}"
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(cell(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    return str(value)


def is_terminal(file: IO[str] | None = None) -> bool:
    """Whether ``file`` (default: stdout) is an interactive terminal."""
    file = sys.stdout if file is None else file
    try:
        return bool(file.isatty())
    except (AttributeError, ValueError):
        return False


def render(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    styled: bool = False,
    width: int | None = None,
) -> str:
    """Renders a table as a string.

    Args:
        title: a line above the table (None: no title).
        columns: the header of each column.
        rows: one sequence of cells per row, as many cells as columns.
        styled: draw with ``rich`` (box lines, colours as ANSI codes) instead of plain text.
        width: the width ``rich`` may use (default: the terminal's, or 120).

    Returns:
        The table, lines joined with newlines, without a trailing newline.
    """
    rows = [list(r) for r in rows]
    for r in rows:
        if len(r) != len(columns):
            raise ValueError(f"table row {r!r} has {len(r)} cells, expected {len(columns)} ({', '.join(columns)})")
    numeric = [_numeric([r[i] for r in rows]) for i in range(len(columns))]
    text = [[cell(v) for v in r] for r in rows]
    if styled:
        return _render_rich(title, columns, rows, text, numeric, width)
    widths = [max([len(c)] + [len(r[i]) for r in text]) for i, c in enumerate(columns)]

    def line(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric)]
        return "  ".join(parts).rstrip()

    out = [title] if title else []
    out.append(line(list(columns)))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in text)
    return "\n".join(out)


def print_table(
    title: str | None,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    file: IO[str] | None = None,
) -> None:
    """Prints a table to ``file`` (default: stdout): ``rich`` on a terminal, plain text otherwise."""
    file = sys.stdout if file is None else file
    print(render(title, columns, rows, styled=is_terminal(file)), file=file)


def _numeric(values: list[Any]) -> bool:
    """Numbers (None allowed) in every cell, at least one of them: right-aligned."""
    present = [v for v in values if v is not None]
    return bool(present) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)


def _render_rich(title, columns, rows, text, numeric, width) -> str:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for name, num in zip(columns, numeric):
        table.add_column(name, justify="right" if num else "left")
    for raw, cells in zip(rows, text):
        table.add_row(*(_style(v, c) for v, c in zip(raw, cells)))
    if width is None:
        import shutil

        width = shutil.get_terminal_size((120, 24)).columns
    buffer = io.StringIO()
    Console(file=buffer, force_terminal=True, width=width, highlight=False).print(table)
    return buffer.getvalue().rstrip("\n")


def _style(value: Any, text: str) -> str:
    from rich.markup import escape

    if isinstance(value, bool):
        return f"[green]{text}[/green]" if value else f"[bold red]{text}[/bold red]"
    return escape(text)
