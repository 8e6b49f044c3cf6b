"""Lab mode: the learner's lab/tinytorch first, the reference for the rest.

When the environment variable TINYTORCH_LAB names a folder, tinytorch/__init__.py puts it first
on the package's __path__, so `import tinytorch.tensor` takes lab/tinytorch/tensor.py when the
learner has it and tinytorch/tensor.py otherwise. This module switches that on for a child
process and says afterwards whose code Python took.

It needs neither invoke nor pytest: a milestone script imports it.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from .curriculum import Curriculum, load

ENV = "TINYTORCH_LAB"


def child_env(cur: Curriculum, lab_folder: Path | None, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child Python: this checkout first on sys.path, and lab mode on
    `lab_folder` (normally cur.lab_package), or off when it is None."""
    env = dict(os.environ if base is None else base)
    paths = [str(cur.root), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    if lab_folder is not None:
        env[ENV] = str(lab_folder)
    else:
        env.pop(ENV, None)
    return env


def whose_code(cur: Curriculum | None = None) -> dict[str, str]:
    """For each curriculum module, whose file `import tinytorch.<name>` takes in this process.

    "yours" (a file outside the reference package, i.e. lab/tinytorch), "reference", or "missing".
    """
    import tinytorch

    cur = cur or load()
    reference = Path(tinytorch.__file__).resolve().parent
    whose = {}
    for module in cur.modules:
        spec = importlib.util.find_spec(f"tinytorch.{module.submodule}")
        if spec is None or spec.origin is None:
            whose[module.name] = "missing"
        elif Path(spec.origin).resolve().parent == reference:
            whose[module.name] = "reference"
        else:
            whose[module.name] = "yours"
    return whose


def describe(whose: dict[str, str]) -> str:
    """One line naming whose code ran, e.g. "Your code: tensor, activations. Reference: layers."."""
    parts = []
    for kind, title in (("yours", "Your code"), ("reference", "Reference"), ("missing", "Missing")):
        names = [name for name, owner in whose.items() if owner == kind]
        if names:
            parts.append(f"{title}: {', '.join(names)}.")
    return " ".join(parts)
