"""The environment files agree with pyproject.toml, the single source of the pins, and with each other.

pyproject.toml pins the lab; environment.yml, the Dockerfile, the dev container, lab.sh and .ci/run
must say the same thing. These checks read the files themselves (no ../shared, no Docker engine).
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from lab import ROOT, pins

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DEVCONTAINER = json.loads((ROOT / ".devcontainer" / "devcontainer.json").read_text(encoding="utf-8"))
SIZE = re.compile(r"\d+([tgmk]b)?")  # the dev container spec's pattern for memory and storage
# The dev container spec's top-level properties, of which the project uses a few: a misspelled key
# would be ignored by the tools, so it must fail here.
DEVCONTAINER_KEYS = {
    "$schema", "name", "build", "image", "features", "forwardPorts", "portsAttributes",
    "containerEnv", "remoteEnv", "containerUser", "remoteUser", "updateRemoteUserUID",
    "userEnvProbe", "mounts", "init", "privileged", "capAdd", "securityOpt", "runArgs",
    "overrideCommand", "shutdownAction", "workspaceFolder", "workspaceMount", "hostRequirements",
    "initializeCommand", "onCreateCommand", "updateContentCommand", "postCreateCommand",
    "postStartCommand", "postAttachCommand", "waitFor", "customizations", "secrets",
}  # fmt: skip


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


def tool(name: str) -> str | None:
    """A command-line tool from this environment (beside its python) or from PATH; None if absent."""
    here = Path(sys.executable).parent
    return shutil.which(name, path=os.pathsep.join([str(here), os.environ.get("PATH", "")]))


def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text(encoding="utf-8"))
    lines = (line.strip() for line in text.splitlines())
    return [
        (keyword.upper(), " ".join(rest.split()))
        for keyword, _, rest in (line.partition(" ") for line in lines)
        if keyword and not keyword.startswith("#")
    ]


def dockerfile_env() -> dict[str, str]:
    return dict(
        item.split("=", 1) for keyword, args in dockerfile() if keyword == "ENV" for item in args.split()
    )


# --- the pins agree ------------------------------------------------------------------------------


def test_environment_yml_pins_exactly_the_lab_extra():
    environment = pins.environment_pins()
    environment.pop("python")
    environment.pop("pip")
    assert environment == pins.expected_pins("lab")


def test_environment_python_is_a_supported_python():
    python = pins.environment_pins()["python"]
    assert ".".join(python.split(".")[:2]) in pins.supported_python()


def test_requires_python_is_the_oldest_supported_python():
    assert PYPROJECT["project"]["requires-python"] == f">={pins.supported_python()[0]}"


def test_environment_is_conda_forge_only_and_lists_pip():
    environment = pins.read_environment()
    assert environment["channels"] == ["conda-forge"]
    assert "pip" in pins.environment_pins()


def test_environment_uses_conda_forge_names():
    names = {item.partition("==")[0] for item in pins.read_environment()["dependencies"]}
    for pypi_name, conda_name in pins.CONDA_NAMES.items():
        assert conda_name in names and pypi_name not in names


def test_runtime_dependency_is_numpy_alone_and_admits_the_pinned_numpy():
    (dependency,) = PYPROJECT["project"]["dependencies"]
    name, _, lowest = dependency.partition(">=")
    assert name == "numpy"
    assert version_tuple(lowest) <= version_tuple(pins.expected_pins("lab")["numpy"])


def test_every_extra_pins_exact_versions():
    for extra in PYPROJECT["project"]["optional-dependencies"]:
        assert pins.expected_pins(extra), extra


def test_parity_uses_the_one_torch_this_project_allows():
    assert pins.expected_pins("parity") == {"torch": "2.13.0"}


# --- lab/pins.py reads what it must and refuses the rest -----------------------------------------


def test_a_loose_pin_in_environment_yml_is_refused(tmp_path):
    path = tmp_path / "environment.yml"
    path.write_text("channels:\n  - conda-forge\ndependencies:\n  - numpy=2.4\n")
    with pytest.raises(ValueError, match=r"'numpy=2.4' is not an exact pin"):
        pins.environment_pins(path)


def test_yaml_outside_the_subset_is_refused_with_its_line(tmp_path):
    path = tmp_path / "environment.yml"
    path.write_text("dependencies:\n  - pip==25.3\n  - pip:\n      - torch==2.13.0\n")
    with pytest.raises(ValueError, match=r"line 4: cannot read"):
        pins.read_environment(path)


def test_environment_comments_and_conda_names_are_read(tmp_path):
    path = tmp_path / "environment.yml"
    path.write_text(
        "# comment\nname: x  # trailing\ndependencies:\n  - matplotlib-base==3.0  # gui-free\n"
    )
    assert pins.read_environment(path) == {"name": "x", "dependencies": ["matplotlib-base==3.0"]}
    assert pins.environment_pins(path) == {"matplotlib": "3.0"}


def test_an_unknown_extra_is_refused_naming_the_known_ones():
    with pytest.raises(ValueError, match=r"no extra 'labb'.*lab.*parity.*dev"):
        pins.expected_pins("labb")


def test_a_range_in_an_extra_is_refused(tmp_path):
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\noptional-dependencies = {lab = ["numpy>=2"]}\n')
    with pytest.raises(ValueError, match=r"'numpy>=2' is not an exact pin"):
        pins.expected_pins("lab", path)


def test_names_are_normalized():
    assert pins.normalize("Scikit_Learn") == pins.normalize("scikit.learn") == "scikit-learn"


# --- the Dockerfile -------------------------------------------------------------------------------


def test_dockerfile_base_is_micromamba_pinned_by_version_tag():
    (base,) = [args for keyword, args in dockerfile() if keyword == "FROM"]
    assert re.fullmatch(r"mambaorg/micromamba:\d+\.\d+\.\d+[-\w.]*", base), base


def test_dockerfile_builds_the_environment_from_environment_yml():
    runs = [args for keyword, args in dockerfile() if keyword == "RUN"]
    copies = [args for keyword, args in dockerfile() if keyword == "COPY"]
    assert any(args.split()[-2:] == ["environment.yml", "/tmp/environment.yml"] for args in copies)
    assert any("micromamba install" in run and "--file /tmp/environment.yml" in run for run in runs)


def test_dockerfile_installs_with_the_command_ci_runs():
    runs = [args for keyword, args in dockerfile() if keyword == "RUN"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert "./lab.sh --version" in runs
    assert "./lab.sh --version" in ci


def test_dockerfile_runs_as_a_non_root_user():
    users = [args for keyword, args in dockerfile() if keyword == "USER"]
    assert users and users[-1].partition(":")[0] not in {"0", "root"}


def test_dockerfile_caps_blas_threads_within_the_codespace_cores():
    env = dockerfile_env()
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        assert 1 <= int(env[name]) <= DEVCONTAINER["hostRequirements"]["cpus"], name


def test_dockerfile_points_lab_sh_at_the_interpreter_the_editor_uses():
    settings = DEVCONTAINER["customizations"]["vscode"]["settings"]
    assert dockerfile_env()["LAB_PYTHON"] == settings["python.defaultInterpreterPath"]


def test_dockerfile_is_hadolint_clean():
    hadolint = tool("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install -e '.[dev]', or run `nox -s env`)")
    result = subprocess.run([hadolint, "Dockerfile"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- the dev container ----------------------------------------------------------------------------


def test_devcontainer_is_where_codespaces_looks():
    assert (ROOT / ".devcontainer" / "devcontainer.json").is_file()
    assert not (ROOT / "devcontainer.json").exists()


def test_devcontainer_uses_only_keys_of_the_spec():
    assert set(DEVCONTAINER) <= DEVCONTAINER_KEYS, set(DEVCONTAINER) - DEVCONTAINER_KEYS


def test_devcontainer_builds_the_dockerfile_from_the_repository_root():
    folder = ROOT / ".devcontainer"
    build = DEVCONTAINER["build"]
    assert (folder / build["dockerfile"]).resolve() == ROOT / "Dockerfile"
    assert (folder / build["context"]).resolve() == ROOT


def test_devcontainer_host_requirements_are_valid():
    host = DEVCONTAINER["hostRequirements"]
    assert isinstance(host["cpus"], int) and host["cpus"] >= 1
    assert SIZE.fullmatch(host["memory"]) and SIZE.fullmatch(host["storage"])


def test_devcontainer_installs_on_create_and_runs_doctor_after():
    assert DEVCONTAINER["onCreateCommand"] == "./lab.sh --version"
    assert DEVCONTAINER["postCreateCommand"] == "invoke doctor"


def test_devcontainer_user_is_the_dockerfile_user():
    created = [args for keyword, args in dockerfile() if keyword == "RUN" and "useradd" in args]
    assert created and re.search(rf"useradd .*\b{DEVCONTAINER['remoteUser']}\b", created[0])


def test_devcontainer_sets_up_python_and_pytest_discovery():
    vscode = DEVCONTAINER["customizations"]["vscode"]
    assert "ms-python.python" in vscode["extensions"]
    assert vscode["settings"]["python.testing.pytestEnabled"] is True


# --- the scripts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("script", ["lab.sh", ".ci/run"])
def test_scripts_are_executable_posix_sh_with_lf_endings(script):
    path = ROOT / script
    assert os.access(path, os.X_OK)
    data = path.read_bytes()
    assert data.startswith(b"#!/bin/sh\n") and b"\r" not in data
    assert subprocess.run(["sh", "-n", str(path)]).returncode == 0
    shellcheck = tool("shellcheck")
    if shellcheck is not None:
        result = subprocess.run([shellcheck, str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout


def test_gitattributes_keeps_lf_line_endings():
    assert "* text=auto eol=lf" in (ROOT / ".gitattributes").read_text(encoding="utf-8").splitlines()


def test_ci_ends_with_the_readmes_test_command():
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert lines[-1] == "exec ./lab.sh check"
    assert "./lab.sh check" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_states_the_supported_versions():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.partition("## Supported versions")[2].partition("\n## ")[0]
    *older, newest = pins.supported_python()
    assert f"Python {', '.join(older)} and {newest}." in section
    assert f"NumPy {pins.expected_pins('lab')['numpy']}" in section


# --- lab.sh, with a stand-in Python that records what it is asked ---------------------------------

FAKE_PYTHON = """#!/bin/sh
case "$1" in
    -c) case "$2" in *sys.prefix*) echo "$FAKE_PREFIX" ;; *) exit "${FAKE_TOO_OLD:-0}" ;; esac ;;
    -m) shift; echo "$*" >>"$FAKE_PREFIX/calls" ;;
esac
"""


@pytest.fixture
def lab_copy(tmp_path):
    """A folder with lab.sh and pyproject.toml, a stand-in Python, and how to run lab.sh there."""
    repo, prefix = tmp_path / "repo", tmp_path / "prefix"
    repo.mkdir()
    prefix.mkdir()
    for name in ("lab.sh", "pyproject.toml"):
        shutil.copy2(ROOT / name, repo / name)
    python = tmp_path / "python"
    python.write_text(FAKE_PYTHON)
    python.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHON", "LAB_PYTHON"}}
    env.update(LAB_PYTHON=str(python), FAKE_PREFIX=str(prefix))

    def run(*args, **extra_env):
        return subprocess.run(
            ["sh", str(repo / "lab.sh"), *args],
            cwd=tmp_path,
            env={**env, **extra_env},
            capture_output=True,
            text=True,
        )

    def calls():
        return (prefix / "calls").read_text().splitlines()

    return repo, run, calls


def test_lab_sh_installs_once_then_passes_its_arguments_to_invoke(lab_copy):
    repo, run, calls = lab_copy
    assert run("doctor", "--verbose").returncode == 0
    assert run("status").returncode == 0
    install, doctor, status = calls()
    assert install.startswith("pip install") and install.endswith("--editable .[lab]")
    assert (doctor, status) == ("invoke doctor --verbose", "invoke status")


def test_lab_sh_lists_the_milestones_for_milestone_without_a_name(lab_copy):
    _, run, calls = lab_copy
    for args in (["milestone", "--list"], ["milestone"], ["milestone", "perceptron"]):
        assert run(*args).returncode == 0
    assert calls()[1:] == ["invoke milestones", "invoke milestones", "invoke milestone perceptron"]


def test_lab_sh_reinstalls_when_pyproject_changes(lab_copy):
    repo, run, calls = lab_copy
    run("status")
    with open(repo / "pyproject.toml", "a", encoding="utf-8") as pyproject:
        pyproject.write("# a changed pin\n")
    run("status")
    assert [call.split()[0] for call in calls()] == ["pip", "invoke", "pip", "invoke"]


def test_lab_sh_refuses_a_python_that_is_too_old(lab_copy):
    _, run, _ = lab_copy
    result = run("status", FAKE_TOO_OLD="1")
    assert result.returncode == 1
    assert f"is not a Python >= {pins.supported_python()[0]}" in result.stderr
