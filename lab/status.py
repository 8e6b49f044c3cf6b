"""Where the learner stands: modules started, tests passing, milestones unlocked."""
from __future__ import annotations

from .curriculum import Curriculum, Milestone, Module
from .runner import ModuleResult, module_tests, run_tests
from .ui import table


def results(cur: Curriculum, modules: list[Module]) -> dict[str, ModuleResult]:
    """Test results of those `modules` that are started and have tests, in lab mode, in one run."""
    testable = [m for m in modules if cur.started(m) and module_tests(cur, m)]
    if not testable:
        return {}
    return {result.module.name: result for result in run_tests(cur, testable, cur.lab_package).results}


def waiting_for(cur: Curriculum, milestone: Milestone, done: dict[str, ModuleResult]) -> list[Module]:
    """The modules `milestone` still waits for: needed, and not yet the learner's and passing."""
    return [m for m in cur.needed_modules(milestone) if not (m.name in done and done[m.name].ok)]


def not_passing(cur: Curriculum, module: Module) -> list[str]:
    """Notes on the modules before `module` that are not yet the learner's and passing."""
    earlier = cur.earlier(module)
    done = results(cur, earlier)
    notes = []
    for m in earlier:
        if not cur.started(m):
            notes.append(f"{m.label}: not started (the reference fills in)")
        elif m.name not in done:
            notes.append(f"{m.label}: has no tests to run")
        elif not done[m.name].ok:
            notes.append(f"{m.label}: {done[m.name].passed} of {done[m.name].total} tests pass")
    return notes


def render(cur: Curriculum, done: dict[str, ModuleResult]) -> str:
    """The status table, the milestones and the next step."""
    rows = []
    for m in cur.modules:
        result = done.get(m.name)
        if not cur.started(m):
            tests = "-"
        elif result is None:
            tests = "no tests"
        elif result.unloaded:
            tests = f"does not load: invoke test --module {m.number:02d} says why"
        else:
            tests = f"{result.passed}/{result.total}" + ("  all pass" if result.ok else "")
        rows.append([f"{m.number:02d}", m.name, "yes" if cur.started(m) else "no", tests])
    lines = [table(rows, ["#", "module", "started", "tests passing"]), ""]
    milestone_rows = []
    for milestone in cur.milestones:
        waiting = waiting_for(cur, milestone, done)
        state = "unlocked" if not waiting else "waits for " + ", ".join(m.label for m in waiting)
        milestone_rows.append([f"{milestone.number:02d}", milestone.name, str(milestone.year), state])
    lines += [table(milestone_rows, ["#", "milestone", "year", "with your code"]), ""]
    lines.append("Next: " + next_step(cur, done))
    return "\n".join(lines)


def next_step(cur: Curriculum, done: dict[str, ModuleResult]) -> str:
    for m in cur.modules:
        if not cur.started(m):
            return f"invoke scaffold --module {m.number:02d}   ({m.title}: {m.summary})"
        if m.name in done and not done[m.name].ok:
            return f"invoke test --module {m.number:02d}   (guide: {cur.rel(cur.guide(m))})"
    first = cur.milestones[0]
    return f"invoke milestone {first.name}   (every module is yours and passing)"
