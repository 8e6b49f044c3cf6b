"""A pytest plugin that writes what a learner needs from a test run as JSON.

Loaded by lab.runner as `-p lab.pytest_report --lab-report=PATH`. For each test it keeps the
outcome, the first line of the error and the innermost tinytorch function the error came from
(with whether that file is the learner's), and at the end whose code each module ran.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from .overlay import whose_code


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--lab-report", metavar="PATH", help="write the lab's JSON test report to PATH")


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("--lab-report")
    if path:
        config.pluginmanager.register(Recorder(Path(path)), "lab-recorder")


class Recorder:
    """Keeps one record per test (its first failure wins) and writes them when the session ends."""

    def __init__(self, path: Path):
        self.path = path
        self.records: dict[str, dict] = {}

    def _add(self, nodeid: str, outcome: str, **details) -> None:
        if self.records.get(nodeid, {}).get("outcome", "passed") == "passed":
            self.records[nodeid] = {"nodeid": nodeid, "outcome": outcome, **details}

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if report.when == "call" or not report.passed:
            outcome = report.outcome if report.when == "call" or report.skipped else "error"
            details = {}
            if report.failed and call.excinfo is not None:
                details = {
                    "exception": call.excinfo.typename,
                    "message": _gist(call.excinfo.exconly()),
                    **_where(call.excinfo, Path(item.path)),
                }
            self._add(item.nodeid, outcome, **details)
        return report

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            text = report.longreprtext
            errors = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
            places = _SYNTAX_PLACE.findall(text) or _FRAME_PLACE.findall(text)
            where = {"location": f"{Path(places[-1][0]).resolve()}:{places[-1][1]}"} if places else {}
            self._add(report.nodeid, "error", message=_first_line(errors[-1] if errors else text), **where)

    def pytest_sessionfinish(self) -> None:
        try:
            whose = whose_code()
        except Exception:  # tinytorch itself does not import; the records say why
            whose = {}
        self.path.write_text(json.dumps({"tests": list(self.records.values()), "whose": whose}))


_SYNTAX_PLACE = re.compile(r'File "([^"]+)", line (\d+)')
_FRAME_PLACE = re.compile(r"^([^\s<][^:\n]*):(\d+): in ", re.MULTILINE)


def _first_line(text: str, limit: int = 200) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return _clip(line, limit)


def _gist(text: str, limit: int = 200) -> str:
    """An error's text on one line: its non-blank lines joined, so that "AssertionError:" followed
    by NumPy's "Not equal to tolerance ..." keeps what was compared."""
    return _clip(" ".join(part.strip() for part in text.splitlines() if part.strip()), limit)


def _clip(line: str, limit: int) -> str:
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _where(excinfo: pytest.ExceptionInfo, test_file: Path) -> dict:
    """Where the error came from: the innermost frame in a tinytorch file (its function, and
    whether that file is the learner's), else the innermost frame in the test's own file (not in
    a helper such as numpy.testing), else the innermost frame of all."""
    package = sys.modules.get("tinytorch")
    folders = [Path(p).resolve() for p in getattr(package, "__path__", [])]
    reference = Path(package.__file__).resolve().parent if package else None
    for entry in reversed(excinfo.traceback):
        path = Path(entry.path).resolve()
        if any(path.is_relative_to(folder) for folder in folders):
            return {
                "function": entry.frame.code.raw.co_qualname,
                "location": f"{path}:{entry.lineno + 1}",
                "yours": path.parent != reference,
            }
    if not excinfo.traceback:
        return {}
    test_file = test_file.resolve()
    frames = [entry for entry in excinfo.traceback if Path(entry.path).resolve() == test_file]
    last = (frames or list(excinfo.traceback))[-1]
    return {"location": f"{Path(last.path).resolve()}:{last.lineno + 1}"}
