"""Every solution block is caught: stub that block alone and some test of its module fails.

    python -m lab.solution_check [--module NN ...] [--jobs N]

For each module it first runs the module's tests on the reference (they must pass), then, for
each solution block, runs them again in lab mode on a copy of the reference with only that block
stubbed. A block whose stub passes every test is "missed": the tests do not pin down that code.
Exit 0 only when every block of every module checked was caught.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from . import ROOT, LabError
from .curriculum import Curriculum, Module, load
from .runner import run_tests
from .scaffold import Block, find_blocks, render
from .ui import table

STOP_AT_FIRST_FAILURE = ["-x", "-p", "no:cacheprovider"]


@dataclass(frozen=True)
class Outcome:
    module: Module
    block: Block | None  # None: the module itself could not be checked
    caught: bool
    detail: str


def check_block(cur: Curriculum, module: Module, source: str, blocks: list[Block], block: Block) -> Outcome:
    """Run `module`'s tests with `block` alone stubbed; caught when one of them fails."""
    with tempfile.TemporaryDirectory() as folder:
        text = render(cur, module, source, blocks, stub=lambda b: b == block)
        Path(folder, module.file).write_text(text, encoding="utf-8")
        try:
            result = run_tests(cur, [module], Path(folder), STOP_AT_FIRST_FAILURE).results[0]
        except LabError as err:
            return Outcome(module, block, False, f"could not run its tests: {err}")
    failing = [test.name for test in result.tests if test.outcome in ("failed", "error")]
    if failing:
        return Outcome(module, block, True, f"caught by {failing[0]}")
    return Outcome(module, block, False, f"all {result.passed} tests pass with it stubbed")


def check_module(cur: Curriculum, module: Module, pool: ThreadPoolExecutor) -> list[Outcome]:
    reference = cur.reference_file(module)
    try:
        source = reference.read_text(encoding="utf-8")
        blocks = find_blocks(source, cur.rel(reference))
        baseline = run_tests(cur, [module], None).results[0]
    except (OSError, LabError) as err:
        return [Outcome(module, None, False, f"cannot be checked: {err}")]
    if not baseline.ok:
        return [Outcome(module, None, False, f"its tests do not pass on the reference "
                        f"({baseline.passed} of {baseline.total}): run invoke test -m {module.number:02d} --reference")]
    if not blocks:
        return [Outcome(module, None, False, f"{cur.rel(reference)} has no solution blocks")]
    return list(pool.map(lambda block: check_block(cur, module, source, blocks, block), blocks))


def report(cur: Curriculum, outcomes: list[Outcome]) -> str:
    rows, problems = [], []
    for outcome in outcomes:
        if outcome.block is None:
            problems.append(f"ERROR {outcome.module.label}: {outcome.detail}")
        else:
            where = f"{cur.rel(cur.reference_file(outcome.module))}:{outcome.block.begin}"
            rows.append(["caught" if outcome.caught else "MISSED", outcome.module.label,
                         outcome.block.function, where, outcome.detail])
    blocks = [o for o in outcomes if o.block is not None]
    caught = sum(o.caught for o in blocks)
    modules = len({o.module.name for o in outcomes})
    lines = ([table(rows)] if rows else []) + problems
    lines.append(f"solution blocks: {len(blocks)} checked in {modules} module(s): {caught} caught, "
                 f"{len(blocks) - caught} missed; {len(problems)} module(s) could not be checked")
    return "\n".join(lines)


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(prog="python -m lab.solution_check", description=__doc__.split("\n")[0])
    parser.add_argument("--module", action="append", help="a module to check (06, 6 or optimizers); "
                        "repeat for more; default: every module")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="test runs at once (default: the number of CPUs)")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, not {args.jobs}")
    try:
        cur = load(root)
        modules = [cur.module(key) for key in args.module] if args.module else list(cur.modules)
    except LabError as err:
        print(f"error: {err}", file=sys.stderr)
        return err.exit_code
    outcomes = []
    with ThreadPoolExecutor(args.jobs) as pool:
        for module in modules:
            outcomes += check_module(cur, module, pool)
    print(report(cur, outcomes))
    return 0 if outcomes and all(o.caught for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
