"""Run module tests in a child pytest, in lab mode or against the reference, and summarise them.

The child loads lab.pytest_report, which records each test's outcome, its error and the tinytorch
function the error came from; `summary()` turns that into what a learner acts on: which functions
are still stubs, which tests fail and where.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import LabError, UsageError
from .curriculum import Curriculum, Module
from .overlay import child_env, describe
from .scaffold import find_blocks, stub_named


@dataclass(frozen=True)
class Record:
    nodeid: str
    outcome: str  # passed, failed, error or skipped
    message: str = ""
    exception: str = ""
    function: str = ""
    location: str = ""
    yours: bool | None = None

    @property
    def name(self) -> str:
        return self.nodeid.rsplit("::", 1)[-1]

    @property
    def stub(self) -> tuple[str, str] | None:
        """(module label, function) when this test failed on a stub: a function not written yet."""
        return stub_named(self.message) if self.outcome in ("failed", "error") else None


@dataclass
class ModuleResult:
    module: Module
    tests: list[Record] = field(default_factory=list)

    def count(self, *outcomes: str) -> int:
        return sum(test.outcome in outcomes for test in self.tests)

    @property
    def passed(self) -> int:
        return self.count("passed")

    @property
    def failed(self) -> int:
        return self.count("failed", "error")

    @property
    def total(self) -> int:
        return len(self.tests)

    @property
    def ok(self) -> bool:
        return self.failed == 0 and self.passed > 0

    @property
    def unloaded(self) -> int:
        """Test files that could not even be imported (a collection error has no "::" in its id)."""
        return sum("::" not in test.nodeid for test in self.tests)

    @property
    def stubs(self) -> list[str]:
        """This module's functions the learner has not written yet, that its tests ran into."""
        return list(dict.fromkeys(
            test.stub[1] for test in self.tests if test.stub and test.stub[0] == self.module.label
        ))

    @property
    def waits_on(self) -> list[str]:
        """Functions of the learner's other modules, not written yet, that these tests ran into."""
        return list(dict.fromkeys(
            f"{test.stub[1]} ({test.stub[0]})" for test in self.tests
            if test.stub and test.stub[0] != self.module.label
        ))


@dataclass
class Report:
    results: list[ModuleResult]
    whose: dict[str, str]

    @property
    def ok(self) -> bool:
        return all(result.ok for result in self.results)


# pytest's exit statuses that are not about the tests themselves
INTERNAL_ERROR, USAGE_ERROR, NO_TESTS = 3, 4, 5


def module_tests(cur: Curriculum, module: Module) -> list[Path]:
    return sorted(cur.module_dir(module).glob("test_*.py"))


def modules_to_test(cur: Curriculum, key: str | None, reference: bool) -> list[Module]:
    """The module `key` names, or without it every module started (every module for the reference).

    Testing the learner's code needs their file: a module not started is a usage error.
    """
    if reference:
        return [cur.module(key)] if key is not None else list(cur.modules)
    if key is None:
        started = cur.started_modules()
        if not started:
            raise UsageError(f"no module started yet. Start with: invoke scaffold --module {cur.modules[0].number:02d}")
        return started
    module = cur.module(key)
    if not cur.started(module):
        raise UsageError(f"{module.label} is not started: {cur.rel(cur.learner_file(module))} does not exist.\n"
                         f"Start it with: invoke scaffold --module {module.number:02d}")
    return [module]


def run_tests(
    cur: Curriculum,
    modules: Sequence[Module],
    lab_folder: Path | None,
    pytest_args: Sequence[str] = (),
    show_output: bool = False,
) -> Report:
    """Run the tests of `modules` in one child pytest, in lab mode on `lab_folder` (normally
    cur.lab_package) or, when it is None, against the reference alone."""
    missing = [m for m in modules if not module_tests(cur, m)]
    if missing:
        raise LabError("no tests found for " + ", ".join(
            f"{m.label} (looked for {cur.rel(cur.module_dir(m))}/test_*.py)" for m in missing
        ))
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        command = [
            sys.executable, "-m", "pytest",
            *(cur.rel(cur.module_dir(m)) for m in modules),
            "-p", "lab.pytest_report", f"--lab-report={report_path}",
            f"--rootdir={cur.root}", "-q", *pytest_args,
        ]
        done = subprocess.run(
            command, cwd=cur.root, env=child_env(cur, lab_folder),
            stdout=None if show_output else subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
        if done.returncode in (INTERNAL_ERROR, USAGE_ERROR) or not report_path.exists():
            # pytest's usage error is about the options the learner gave after --
            error = UsageError if done.returncode == USAGE_ERROR else LabError
            raise error(
                f"pytest itself failed (exit status {done.returncode}), so the tests could not report"
                + (":\n" + done.stdout.strip()[-3000:] if done.stdout else "; its output is above")
            )
        data = json.loads(report_path.read_text())
    records = [Record(**record) for record in data["tests"]]
    results = []
    for module in modules:
        prefix = cur.rel(cur.module_dir(module)) + "/"
        results.append(ModuleResult(module, [r for r in records if r.nodeid.startswith(prefix)]))
    return Report(results, data["whose"])


def _where(cur: Curriculum, test: Record) -> str:
    path, _, line = test.location.rpartition(":")
    location = f"{cur.rel(Path(path))}:{line}" if path else ""
    if test.function:
        owner = "yours" if test.yours else "reference"
        return f"in {test.function} ({location}, {owner})"
    return f"at {location}" if location else ""


def _in_file_order(cur: Curriculum, module: Module, functions: list[str]) -> list[str]:
    """`functions` in the order of the module's solution blocks, the order its guide follows."""
    reference = cur.reference_file(module)
    order = [block.function for block in find_blocks(reference.read_text(encoding="utf-8"))]
    return sorted(functions, key=lambda name: order.index(name) if name in order else len(order))


def summary(cur: Curriculum, report: Report, lab: bool = True) -> str:
    """What a learner needs: per module, passes, functions still to write, failures and where."""
    lines = []
    for result in report.results:
        module = result.module
        verdict = "all pass" if result.ok else f"{result.failed} failing"
        skipped = result.count("skipped")
        if result.unloaded:
            lines.append(f"{module.label}: {result.unloaded} test file(s) could not be loaded")
        else:
            lines.append(
                f"{module.label}: {result.passed} of {result.total} tests pass ({verdict}"
                + (f", {skipped} skipped" if skipped else "") + ")"
            )
        if result.total == 0:
            lines.append("  no test ran: check the module's test files")
        stubs = _in_file_order(cur, module, result.stubs)
        if stubs:
            lines.append(f"  still to write ({len(stubs)}): " + ", ".join(stubs))
        if result.waits_on:
            lines.append("  waits on your earlier modules' stubs: " + ", ".join(result.waits_on))
        other = [t for t in result.tests if t.outcome in ("failed", "error") and not t.stub]
        for test in other[:10]:
            lines.append(f"  FAIL {test.name}  {_where(cur, test)}".rstrip())
            if test.message:
                lines.append(f"       {test.message}")
        if len(other) > 10:
            lines.append(f"  ... and {len(other) - 10} more failing tests")
        if not result.ok and lab:
            todo = (f"write {stubs[0]}" if stubs else
                    f"write {result.waits_on[0]} first" if result.waits_on else "fix the failures above")
            lines.append(
                f"  next: {todo} (guide: {cur.rel(cur.guide(module))}), "
                f"then: invoke test --module {module.number:02d}"
            )
    if report.whose:
        lines.append(describe(report.whose))
    passed = sum(r.passed for r in report.results)
    failed = sum(r.failed for r in report.results)
    lines.append(f"{passed} passed, {failed} failed")
    return "\n".join(lines)


def check(cur: Curriculum, pytest_args: Sequence[str] = ()) -> int:
    """The whole suite (pyproject's testpaths: tests/ and lab/modules/) against the reference.

    The lab's exit status: 0 every test passed, 2 pytest refused the options, 1 anything else
    (failures, errors in collection, an interruption, and collecting no test at all).
    """
    status = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=cur.root,
                            env=child_env(cur, None)).returncode
    if status == NO_TESTS:
        print("invoke check: pytest collected no tests, and a check that ran nothing has failed",
              file=sys.stderr)
    return {0: 0, USAGE_ERROR: 2}.get(status, 1)


def bench(cur: Curriculum, args: Sequence[str] = ()) -> int:
    """`python -m benchmarks ARGS` on the reference; its exit status."""
    package = cur.root / "benchmarks"
    if not (package / "__main__.py").is_file():
        raise LabError(f"there are no benchmarks in this checkout yet ({cur.rel(package)}/__main__.py is missing)")
    return subprocess.run([sys.executable, "-m", "benchmarks", *args], cwd=cur.root,
                          env=child_env(cur, None)).returncode
