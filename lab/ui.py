"""Plain terminal output: aligned tables and ok/warn/fail tags, coloured only on a terminal."""
from __future__ import annotations

import os
import sys

_COLOURS = {"ok": "32", "warn": "33", "fail": "31"}


def use_colour() -> bool:
    """Colour only when stdout is a terminal, and never when NO_COLOR is set."""
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


def paint(text: str, status: str, colour: bool) -> str:
    return f"\033[{_COLOURS[status]}m{text}\033[0m" if colour and status in _COLOURS else text


def table(rows: list[list[str]], header: list[str] | None = None) -> str:
    """Rows as left-aligned columns two spaces apart (the last column is not padded)."""
    rows = [list(map(str, row)) for row in ([header] if header else []) + rows]
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(max(map(len, rows)))]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip()
        for row in rows
    )
