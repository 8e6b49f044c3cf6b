"""The lab's pins, read from pyproject.toml, their single source of truth.

- `expected_pins(extra)`: the exact versions an extra of pyproject.toml pins (`lab` by default).
- `supported_python()`: the Python versions the project supports (its classifiers).
- `supported_range(name)`: the version range the project's dependencies allow for a package.
- `environment_pins()`: what environment.yml pins, under PyPI names (python and pip included).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from . import ROOT

PYPROJECT = ROOT / "pyproject.toml"
ENVIRONMENT = ROOT / "environment.yml"

# PyPI name -> conda-forge name, where they differ (matplotlib-base: matplotlib without a GUI toolkit).
CONDA_NAMES = {"matplotlib": "matplotlib-base"}

_EXACT = re.compile(r"(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*==\s*(?P<version>[A-Za-z0-9.+!-]+)")
_PYTHON_CLASSIFIER = re.compile(r"Programming Language :: Python :: (3\.\d+)")
_REQUIREMENT = re.compile(r"\s*(?P<name>[A-Za-z0-9._-]+)\s*(?P<range>[^;]*)")


def normalize(name: str) -> str:
    """A package name in its canonical form (PEP 503): lower case, runs of -_. made one '-'."""
    return re.sub(r"[-_.]+", "-", name).lower()


def expected_pins(extra: str = "lab", path: Path = PYPROJECT) -> dict[str, str]:
    """The exact pins of one extra of pyproject.toml (`lab`, `parity` or `dev`): name -> version."""
    extras = _project(path)["optional-dependencies"]
    if extra not in extras:
        raise ValueError(f"{path.name} has no extra {extra!r}; its extras: {', '.join(extras)}")
    return dict(_exact(requirement, f"{path.name}, extra {extra!r}") for requirement in extras[extra])


def supported_python(path: Path = PYPROJECT) -> tuple[str, ...]:
    """The supported Python versions ("3.11", ...), oldest first, from pyproject.toml's classifiers."""
    versions = [
        match[1]
        for classifier in _project(path).get("classifiers", [])
        if (match := _PYTHON_CLASSIFIER.fullmatch(classifier))
    ]
    return tuple(sorted(versions, key=lambda version: tuple(map(int, version.split(".")))))


def supported_range(name: str, path: Path = PYPROJECT) -> str:
    """The version range pyproject.toml's [project].dependencies allow for `name` ("" if any)."""
    for requirement in _project(path).get("dependencies", []):
        found = _REQUIREMENT.match(requirement)
        if found and normalize(found["name"]) == normalize(name):
            return found["range"].strip()
    return ""


def environment_pins(path: Path = ENVIRONMENT) -> dict[str, str]:
    """environment.yml's exact pins, PyPI name -> version, python and pip included."""
    pypi_names = {conda: pypi for pypi, conda in CONDA_NAMES.items()}
    dependencies = read_environment(path).get("dependencies")
    if not isinstance(dependencies, list):
        raise ValueError(f"{path.name} has no `dependencies:` list")
    pins = {}
    for item in dependencies:
        name, version = _exact(item, path.name)
        pins[pypi_names.get(name, name)] = version
    return pins


def read_environment(path: Path = ENVIRONMENT) -> dict[str, str | list[str]]:
    """Read environment.yml, which keeps to a YAML subset: `key: value`, `key:` and `  - item` lines."""
    data: dict[str, str | list[str]] = {}
    items: list[str] | None = None  # the list that `  - item` lines go to
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split(" #", 1)[0].rstrip()
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith("  - ") and items is not None:
            items.append(line[4:].strip())
        elif not line[0].isspace() and ":" in line:
            key, _, value = line.partition(":")
            items = None if value.strip() else []
            data[key.strip()] = value.strip() or items
        else:
            raise ValueError(
                f"{path.name}, line {number}: cannot read {raw!r}; this file keeps to "
                "`key: value`, `key:` and `  - item` lines"
            )
    return data


def _project(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))["project"]


def _exact(requirement: str, where: str) -> tuple[str, str]:
    match = _EXACT.fullmatch(requirement.strip())
    if match is None:
        raise ValueError(f"{where}: {requirement!r} is not an exact pin; write it as 'name==version'")
    return normalize(match["name"]), match["version"]
