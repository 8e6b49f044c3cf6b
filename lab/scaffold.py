"""Scaffolds: the reference module with each solution block replaced by a stub.

In the reference engine, the code a learner writes sits between two comment lines,
`# BEGIN SOLUTION` and `# END SOLUTION`, indented like the code they wrap. A scaffold keeps
everything else (signatures, docstrings, hints, plumbing) and puts in each block's place

    raise NotImplementedError("<NN name>: <function> is yours to write; see <guide>")

A learner's file is never overwritten without a timestamped backup in lab/backups/.
"""
from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import LabError
from .curriculum import Curriculum, Module

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
_MARKER = re.compile(r"#\s*(BEGIN|END)\s*SOLUTION", re.IGNORECASE)


class ScaffoldError(LabError):
    """The reference's markers are malformed, or a scaffold would not compile."""


class LearnerFileExists(LabError):
    """Scaffolding would overwrite a learner's file."""


@dataclass(frozen=True)
class Block:
    """One solution block: the lines of its two markers (1-based), its indent, its function."""

    begin: int
    end: int
    indent: str
    function: str


def find_blocks(source: str, filename: str = "<source>") -> list[Block]:
    """The solution blocks of `source`, in order, each with the qualified name of its function."""
    lines = source.splitlines()
    spans, opened = [], None
    for number, line in enumerate(lines, start=1):
        match = _MARKER.search(line)
        if not match:
            continue
        where = f"{filename}:{number}"
        marker = line.strip()
        if marker not in (BEGIN, END):
            raise ScaffoldError(
                f"{where}: malformed marker {marker!r}; "
                f"write {BEGIN!r} or {END!r} alone on its line"
            )
        if marker == BEGIN:
            if opened is not None:
                raise ScaffoldError(f"{where}: {BEGIN!r} inside the block opened at line {opened}")
            opened = number
        else:
            if opened is None:
                raise ScaffoldError(f"{where}: {END!r} without a {BEGIN!r} before it")
            if _indent(line) != _indent(lines[opened - 1]):
                raise ScaffoldError(f"{where}: {END!r} is not indented like its {BEGIN!r} (line {opened})")
            spans.append((opened, number))
            opened = None
    if opened is not None:
        raise ScaffoldError(f"{filename}:{opened}: {BEGIN!r} is never closed by {END!r}")
    functions = _enclosing_functions(lines, [begin for begin, _ in spans], filename)
    return [
        Block(begin, end, _indent(lines[begin - 1]), functions[begin])
        for begin, end in spans
    ]


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip())]


def _enclosing_functions(lines: list[str], begins: list[int], filename: str) -> dict[int, str]:
    """Map each block's first line to its function's qualified name.

    Each BEGIN marker becomes a `pass` at its own indent (line numbers unchanged), so the
    parser itself says which function holds it.
    """
    probe, begins = list(lines), set(begins)
    for begin in begins:
        probe[begin - 1] = _indent(lines[begin - 1]) + "pass"
    try:
        tree = ast.parse("\n".join(probe), filename)
    except SyntaxError as err:
        raise ScaffoldError(f"{filename}:{err.lineno}: does not parse: {err.msg}") from None
    found: dict[int, str] = {}

    def visit(node: ast.AST, scope: list[str], in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Pass) and child.lineno in begins:
                if not in_function:
                    raise ScaffoldError(
                        f"{filename}:{child.lineno}: a solution block must be inside a function "
                        "(at module or class level its stub would fail on import)"
                    )
                found[child.lineno] = ".".join(scope)
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                prefix = scope + ["<locals>"] if in_function else scope
                visit(child, prefix + [child.name], True)
            elif isinstance(child, ast.ClassDef):
                prefix = scope + ["<locals>"] if in_function else scope
                visit(child, prefix + [child.name], False)
            else:
                visit(child, scope, in_function)

    visit(tree, [], False)
    return found


def stub_message(cur: Curriculum, module: Module, function: str) -> str:
    return f"{module.label}: {function} is yours to write; see {cur.rel(cur.guide(module))}"


_STUB_MESSAGE = re.compile(r"(\d{2} \w+): (\S+) is yours to write; see ")


def stub_named(text: str) -> tuple[str, str] | None:
    """The (module label, function) named by a stub's message quoted in `text`, if any."""
    found = _STUB_MESSAGE.search(text)
    return (found[1], found[2]) if found else None


def render(
    cur: Curriculum,
    module: Module,
    source: str,
    blocks: list[Block],
    stub: Callable[[Block], bool] = lambda block: True,
) -> str:
    """`source` with each block for which `stub(block)` holds replaced by its stub.

    Blocks left alone keep their markers and code.
    """
    lines = source.splitlines(keepends=True)
    out, done = [], 0
    for block in blocks:
        out += lines[done : block.begin - 1]
        if stub(block):
            message = stub_message(cur, module, block.function)
            out.append(f"{block.indent}raise NotImplementedError({json.dumps(message)})\n")
        else:
            out += lines[block.begin - 1 : block.end]
        done = block.end
    out += lines[done:]
    return "".join(out)


def scaffold_text(cur: Curriculum, module: Module) -> tuple[str, list[Block]]:
    """The learner's starting file for `module`, and the blocks it stubs; checked to compile."""
    reference = cur.reference_file(module)
    if not reference.is_file():
        raise ScaffoldError(f"the reference {cur.rel(reference)} is missing, so {module.label} cannot be scaffolded")
    source = reference.read_text(encoding="utf-8")
    blocks = find_blocks(source, cur.rel(reference))
    if not blocks:
        raise ScaffoldError(f"{cur.rel(reference)} has no {BEGIN!r} blocks: nothing to scaffold")
    header = (
        f"# Your {module.title} ({module.label}), scaffolded from {cur.rel(reference)}.\n"
        f"# Write each part that raises NotImplementedError; the guide is {cur.rel(cur.guide(module))}.\n"
    )
    text = header + render(cur, module, source, blocks)
    target = cur.learner_file(module)
    try:
        compile(text, cur.rel(target), "exec")
    except SyntaxError as err:
        raise ScaffoldError(f"the scaffold of {module.label} does not compile (line {err.lineno}: {err.msg})") from None
    return text, blocks


@dataclass(frozen=True)
class Written:
    path: Path
    blocks: list[Block]
    backup: Path | None


def backup(cur: Curriculum, path: Path, now: datetime | None = None) -> Path:
    """Copy `path` to lab/backups/<stem>-<YYYYmmdd-HHMMSS>[-n]<suffix>, never over an older backup."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    cur.backups.mkdir(parents=True, exist_ok=True)
    target = cur.backups / f"{path.stem}-{stamp}{path.suffix}"
    count = 1
    while target.exists():
        count += 1
        target = cur.backups / f"{path.stem}-{stamp}-{count}{path.suffix}"
    shutil.copy2(path, target)
    return target


def write_scaffold(cur: Curriculum, module: Module, force: bool = False, now: datetime | None = None) -> Written:
    """Write lab/tinytorch/<file> for `module`; an existing file is backed up first, and only with `force`."""
    text, blocks = scaffold_text(cur, module)
    target = cur.learner_file(module)
    saved = None
    if target.exists():
        if not force:
            raise LearnerFileExists(
                f"{cur.rel(target)} already exists: it is your work, so it is left alone.\n"
                f"To start {module.label} afresh (your file is backed up first):  "
                f"invoke reset --module {module.number:02d}"
            )
        saved = backup(cur, target, now)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return Written(target, blocks, saved)
