"""Milestones: historic models run in lab mode on the learner's modules (the reference fills in)."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence

from . import LabError
from .curriculum import Curriculum, Milestone
from .overlay import child_env
from .ui import table


def listing(cur: Curriculum) -> str:
    """The milestones, what each needs, and which of those modules the learner has started."""
    rows = []
    for milestone in cur.milestones:
        needed = cur.needed_modules(milestone)
        yours = sum(cur.started(m) for m in needed)
        rows.append([f"{milestone.number:02d}", milestone.name, str(milestone.year), milestone.title,
                     f"{yours} of {len(needed)} started"])
    return table(rows, ["#", "milestone", "year", "title", "your modules"])


def command(cur: Curriculum, milestone: Milestone, args: Sequence[str] = ()) -> list[str]:
    script = cur.script(milestone)
    if not script.is_file():
        raise LabError(f"milestone {milestone.label}: its script {milestone.script} is missing")
    return [sys.executable, str(script), *args]


def unparsable(cur: Curriculum, milestone: Milestone) -> list[str]:
    """The learner's files this milestone needs that Python cannot parse, as "file:line: why"."""
    problems = []
    for module in cur.needed_modules(milestone):
        if not cur.started(module):
            continue
        path = cur.learner_file(module)
        try:
            compile(path.read_bytes(), str(path), "exec")
        except SyntaxError as err:
            problems.append(f"{cur.rel(path)}:{err.lineno}: {type(err).__name__}: {err.msg} "
                            f"(then: invoke test --module {module.number:02d})")
    return problems


def run(cur: Curriculum, milestone: Milestone, args: Sequence[str] = ()) -> int:
    """Run the milestone's script in lab mode from the repository root; its exit status.

    A learner's file that does not parse stops it first, with where, rather than a traceback."""
    problems = unparsable(cur, milestone)
    if problems:
        raise LabError(f"milestone {milestone.label} cannot start: your code does not parse:\n"
                       + "\n".join(f"  {problem}" for problem in problems))
    return subprocess.run(command(cur, milestone, args), cwd=cur.root,
                          env=child_env(cur, cur.lab_package)).returncode
