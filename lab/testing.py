"""A small fake checkout for the lab's own tests.

`make_repo(folder)` lays out a two-module curriculum (01 alpha, 02 beta), a reference `tinytorch`
with solution blocks and the lab overlay, module tests, a guide per module, a milestone script,
and copies of this checkout's lab tooling and tasks.py, so tests can scaffold, reset and run
tasks without touching the real lab/tinytorch.
"""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from . import ROOT
from .curriculum import Curriculum, load

FILES = {
    "lab/curriculum.toml": """
        [[modules]]
        number = 1
        name = "alpha"
        title = "Alpha"
        file = "alpha.py"
        summary = "doubling and boxes"
        needs = []

        [[modules]]
        number = 2
        name = "beta"
        title = "Beta"
        file = "beta.py"
        summary = "quadrupling"
        needs = ["alpha"]

        [[milestones]]
        number = 1
        name = "demo"
        year = 1999
        title = "A demonstration"
        script = "milestones/01_1999_demo/demo.py"
        needs = ["alpha", "beta"]
    """,
    "tinytorch/__init__.py": '''
        """A fake reference package with the lab overlay."""
        import os

        if os.environ.get("TINYTORCH_LAB"):
            __path__.insert(0, os.environ["TINYTORCH_LAB"])

        from .alpha import Box, double
        from .beta import quadruple
    ''',
    "tinytorch/alpha.py": '''
        """Module 01 - Alpha."""


        def double(x):
            """2x."""
            # BEGIN SOLUTION
            return 2 * x
            # END SOLUTION


        class Box:
            def __init__(self, value):
                # BEGIN SOLUTION
                self.value = value
                # END SOLUTION
                self.label = f"box of {value}"

            def get(self):
                """The value put in."""
                # BEGIN SOLUTION
                return self.value
                # END SOLUTION
    ''',
    "tinytorch/beta.py": '''
        """Module 02 - Beta."""
        from .alpha import double


        def quadruple(x):
            """4x."""
            # BEGIN SOLUTION
            return double(double(x))
            # END SOLUTION
    ''',
    "lab/modules/01_alpha/README.md": "# 01 Alpha\n",
    "lab/modules/01_alpha/test_alpha.py": """
        import tinytorch


        def test_double():
            assert tinytorch.double(3) == 6


        def test_box_keeps_its_value():
            assert tinytorch.Box(4).value == 4


        def test_box_get():
            assert tinytorch.Box(5).get() == 5
    """,
    "lab/modules/02_beta/README.md": "# 02 Beta\n",
    "lab/modules/02_beta/test_beta.py": """
        import tinytorch


        def test_quadruple():
            assert tinytorch.quadruple(3) == 12
    """,
    "milestones/01_1999_demo/demo.py": """
        import argparse
        import json

        from lab.overlay import whose_code

        parser = argparse.ArgumentParser()
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--seed")
        parser.add_argument("--exit", type=int, default=0)
        args = parser.parse_args()
        print(json.dumps({"seed": args.seed, "json": args.json, "whose": whose_code()}))
        raise SystemExit(args.exit)
    """,
}


def make_repo(folder: Path) -> Curriculum:
    """Write the fake checkout into `folder` and return its curriculum."""
    for name, text in FILES.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    for source in [*ROOT.joinpath("lab").glob("*.py"), ROOT / "tasks.py"]:
        shutil.copy2(source, folder / source.relative_to(ROOT))
    return load(folder)


def solve(cur: Curriculum, name: str) -> Path:
    """Play the learner who finished module `name`: copy the reference into lab/tinytorch."""
    module = cur.module(name)
    target = cur.learner_file(module)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(cur.reference_file(module), target)
    return target
