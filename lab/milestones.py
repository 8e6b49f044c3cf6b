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


def run(cur: Curriculum, milestone: Milestone, args: Sequence[str] = ()) -> int:
    """Run the milestone's script in lab mode from the repository root; its exit status."""
    return subprocess.run(command(cur, milestone, args), cwd=cur.root,
                          env=child_env(cur, cur.lab_package)).returncode
