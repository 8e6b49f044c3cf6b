"""`invoke doctor`: is this environment fit for the lab?

Each check is a small function returning a `Check` (ok, warn or fail, what it found, and the fix).
Its inputs are keyword arguments that default to the real environment, so a test can hand it a
broken one: a missing package, a wrong NumPy, a broken engine.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import import_module, metadata
from pathlib import Path

from . import ROOT
from . import pins as lab_pins
from .curriculum import Curriculum
from .overlay import ENV
from .ui import paint, use_colour


def _python() -> str:
    """This interpreter, relative to the checkout when it lives there (.venv/bin/python)."""
    path = Path(sys.executable)
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)


REINSTALL = f'install the pinned packages: {_python()} -m pip install -e ".[lab]"'


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok, warn or fail
    message: str
    fix: str = ""


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def satisfies(version: str, spec: str) -> bool:
    """Whether `version` meets every clause of `spec` (">=2.0,<3", "==2.4.*", ...)."""
    ops = {
        ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b, ">": lambda a, b: a > b, "<": lambda a, b: a < b,
    }
    for clause in filter(None, (part.strip() for part in spec.split(","))):
        op = next(op for op in ops if clause.startswith(op))
        wanted = clause[len(op):].strip()
        have = _version_tuple(version)
        if wanted.endswith(".*"):
            wanted = wanted[:-2]
            have = have[: len(_version_tuple(wanted))]
        if not ops[op](have, _version_tuple(wanted)):
            return False
    return True


# -- the checks ----------------------------------------------------------------------------------

def check_python(version: str | None = None, supported: tuple[str, ...] | None = None,
                 pin: str | None = None) -> Check:
    """This Python against the supported versions (pyproject's classifiers); the message names
    the version environment.yml pins."""
    version = version or ".".join(map(str, sys.version_info[:3]))
    supported = lab_pins.supported_python() if supported is None else supported
    pin = lab_pins.environment_pins().get("python") if pin is None else pin
    minor = ".".join(version.split(".")[:2])
    pinned = f"; the lab's environment pins {pin}" if pin else ""
    if minor not in supported:
        return Check("python", "fail", f"Python {version} is not supported (supported: {', '.join(supported)})",
                     f"install Python {supported[-1]} and run ./lab.sh again (PYTHON=/path/to/python3 ./lab.sh)")
    return Check("python", "ok", f"Python {version} (supported: {', '.join(supported)}{pinned})")


def check_numpy(version: str | None = None, supported: str | None = None, pin: str | None = None) -> Check:
    """NumPy against pyproject's supported range and the lab's pin."""
    if version is None:
        try:
            version = import_module("numpy").__version__
        except ImportError:
            return Check("numpy", "fail", "NumPy is not installed", REINSTALL)
    supported = lab_pins.supported_range("numpy") if supported is None else supported
    pin = lab_pins.expected_pins().get("numpy") if pin is None else pin
    if supported and not satisfies(version, supported):
        return Check("numpy", "fail", f"NumPy {version} is outside the supported range {supported}", REINSTALL)
    if pin and version != pin:
        return Check("numpy", "warn", f"NumPy {version}; the lab pins {pin} (supported {supported or 'any'})",
                     REINSTALL)
    return Check("numpy", "ok", f"NumPy {version} (supported {supported or 'any'}; the lab pins {pin})")


def _import_name(distribution: str) -> str:
    """The module a distribution installs (scikit-learn -> sklearn), from its metadata."""
    try:
        top = metadata.distribution(distribution).read_text("top_level.txt")
    except metadata.PackageNotFoundError:
        top = None
    if top and top.split():
        return top.split()[0]
    names = [name for name, dists in metadata.packages_distributions().items()
             if distribution in map(lab_pins.normalize, dists) and not name.startswith("_")]
    return names[0] if names else distribution.replace("-", "_")


def check_packages(pins: dict[str, str] | None = None) -> Check:
    """Each package the lab pins: importable, and at its pinned version."""
    pins = lab_pins.expected_pins() if pins is None else pins
    missing, off, found = [], [], []
    for name, expected in pins.items():
        try:
            import_module(_import_name(name))
            version = metadata.version(name)
        except (ImportError, metadata.PackageNotFoundError):
            missing.append(name)
            continue
        found.append(f"{name} {version}")
        if version != expected:
            off.append(f"{name} {version} (pinned {expected})")
    if missing:
        return Check("packages", "fail", "; ".join(filter(None, [
            f"cannot import: {', '.join(missing)}", off and f"not at the lab's pins: {', '.join(off)}"
        ])), REINSTALL)
    if off:
        return Check("packages", "warn", f"not at the lab's pins: {', '.join(off)}", REINSTALL)
    return Check("packages", "ok", ", ".join(found))


def locate_tinytorch(python: str = sys.executable, env: dict[str, str] | None = None) -> Path | None:
    """The folder a plain `import tinytorch` takes outside the tasks (no PYTHONPATH, not in the
    checkout), or None when it finds none."""
    if env is None:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", ENV)}
    probe = subprocess.run([python, "-c", "import tinytorch; print(tinytorch.__file__)"],
                           cwd=tempfile.gettempdir(), env=env, capture_output=True, text=True)
    return Path(probe.stdout.strip()).resolve().parent if probe.returncode == 0 else None


def check_tinytorch(cur: Curriculum, locate: Callable[[], Path | None] = locate_tinytorch) -> Check:
    """Which tinytorch `import tinytorch` takes: this checkout's, not another install."""
    where = locate()
    here = cur.root / "tinytorch"
    install = "pip install -e . in this checkout (./lab.sh does it)"
    if where is None:
        return Check("tinytorch", "warn",
                     "tinytorch is not installed: the tasks find it, your own scripts will not", install)
    if Path(where).resolve() != here:
        return Check("tinytorch", "fail", f"`import tinytorch` takes {where}, not this checkout's {here}",
                     f"pip uninstall tinytorch, then {install}")
    return Check("tinytorch", "ok", f"this checkout's ({cur.rel(here)}/)")


def engine_selfcheck() -> tuple:
    """loss = sum(relu(x @ w)) on the reference engine, and its gradients (NumPy arrays)."""
    import tinytorch

    x = tinytorch.tensor([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    w = tinytorch.tensor([[0.5], [-1.0]], requires_grad=True)
    loss = tinytorch.relu(x @ w).sum()
    loss.backward()
    return loss.item(), x.grad.data, w.grad.data


def check_engine(run: Callable = engine_selfcheck) -> Check:
    """A known forward and backward: x @ w = [2.5, -2.5], relu keeps row 0, so
    loss = 2.5, dloss/dx = [[0.5, -1], [0, 0]] and dloss/dw = x[0]^T = [[1], [-2]]."""
    import numpy as np

    fix = "run the reference's own tests: invoke check"
    if os.environ.get(ENV):
        return Check("engine", "warn", f"{ENV} is set in your shell, so this would not test the reference",
                     f"unset {ENV} (the tasks set it themselves)")
    start = time.perf_counter()
    try:
        loss, dx, dw = run()
    except Exception as err:
        return Check("engine", "fail", f"the engine's self-check raised {type(err).__name__}: {err}", fix)
    seconds = time.perf_counter() - start
    expected = (2.5, [[0.5, -1.0], [0.0, 0.0]], [[1.0], [-2.0]])
    if not all(np.allclose(got, want) for got, want in zip((loss, dx, dw), expected, strict=True)):
        return Check("engine", "fail", f"forward/backward gave loss={loss}, dx={np.asarray(dx).tolist()}, "
                     f"dw={np.asarray(dw).tolist()}; expected loss=2.5, dx=[[0.5, -1], [0, 0]], dw=[[1], [-2]]", fix)
    return Check("engine", "ok", f"a known forward and backward agree ({seconds:.2f} s)")


def available_cores(cpu_max: Path = Path("/sys/fs/cgroup/cpu.max")) -> int:
    """The cores this process may use: its CPU affinity, capped by a cgroup quota if any."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    try:
        quota, period = cpu_max.read_text().split()
        if quota != "max":
            cores = min(cores, max(1, int(quota) // int(period)))
    except (OSError, ValueError):
        pass
    return cores


def check_threads(info: list[dict] | None = None, cores: int | None = None) -> Check:
    """The BLAS NumPy uses and the thread pools loaded (threadpoolctl); more threads than cores
    is oversubscription and slows everything down."""
    cores = available_cores() if cores is None else cores
    if info is None:
        try:
            from threadpoolctl import threadpool_info
        except ImportError:
            return Check("threads", "warn", "threadpoolctl is missing, so the BLAS is unknown", REINSTALL)
        info = threadpool_info()
    pools = ", ".join(
        f"{pool.get('internal_api', pool['user_api'])} {pool.get('version') or ''}: "
        f"{pool['num_threads']} threads".replace(" :", ":") for pool in info
    )
    fix = f"export OMP_NUM_THREADS={cores} OPENBLAS_NUM_THREADS={cores} MKL_NUM_THREADS={cores}"
    if not any(pool["user_api"] == "blas" for pool in info):
        return Check("threads", "warn", f"no BLAS library found ({pools or 'no thread pools'}); "
                     "matrix products will be slow", REINSTALL)
    over = [pool for pool in info if pool["num_threads"] > cores]
    if over:
        return Check("threads", "warn", f"oversubscribed: {pools} on {cores} cores", fix)
    return Check("threads", "ok", f"{pools}; {cores} cores")


def check_writable(cur: Curriculum, folders: list[Path] | None = None) -> Check:
    """The learner's files go in lab/: it must be writable."""
    folders = [cur.root / "lab", cur.lab_package, cur.backups] if folders is None else folders
    for folder in folders:
        if not folder.exists():
            continue
        try:
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as err:
            return Check("lab writable", "fail", f"cannot write in {cur.rel(folder)}: {err.strerror}",
                         f"make it yours: sudo chown -R $(id -u) {cur.rel(folder)}")
    if not (cur.root / "lab").is_dir():
        return Check("lab writable", "fail", "lab/ is missing", "clone the repository again")
    return Check("lab writable", "ok", "lab/ can take your files")


_SKIP = {".git", ".venv", ".nox", "node_modules", "__pycache__", "backups", "build", "dist"}


def scripts(root: Path) -> list[Path]:
    """The repository's scripts: *.sh, Dockerfiles, and any file starting with #!."""
    found = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [s for s in subfolders if s not in _SKIP and not s.endswith(".egg-info")]
        for name in files:
            path = Path(folder, name)
            if name.endswith(".sh") or name.startswith("Dockerfile"):
                found.append(path)
            else:
                with path.open("rb") as handle:
                    if handle.read(2) == b"#!":
                        found.append(path)
    return sorted(found)


def check_line_endings(cur: Curriculum, files: list[Path] | None = None) -> Check:
    """Scripts with CRLF (Windows) line endings fail to run: `/bin/sh^M: bad interpreter`."""
    files = scripts(cur.root) if files is None else files
    crlf = [cur.rel(path) for path in files if b"\r\n" in path.read_bytes()]
    if crlf:
        return Check("line endings", "fail", f"CRLF line endings in {', '.join(crlf)}",
                     "git config core.autocrlf input, then convert them: sed -i 's/\\r$//' "
                     + " ".join(crlf))
    return Check("line endings", "ok", f"LF in all {len(files)} scripts")


def check_environment(env: dict[str, str] | None = None, dockerenv: Path = Path("/.dockerenv"),
                      in_venv: bool | None = None) -> Check:
    """Where the lab runs: GitHub Codespaces, a container or this machine, and in which Python."""
    env = os.environ if env is None else env
    in_venv = sys.prefix != sys.base_prefix if in_venv is None else in_venv
    if env.get("CODESPACES") == "true":
        where = "GitHub Codespaces"
    elif dockerenv.exists() or env.get("container") or env.get("REMOTE_CONTAINERS"):
        where = "a container"
    else:
        where = "this machine (no container)"
    python = f"virtual environment {sys.prefix}" if in_venv else f"Python at {sys.prefix}"
    if where.startswith("this machine") and not in_venv:
        return Check("environment", "warn", f"{where}, outside a virtual environment ({python})",
                     "use ./lab.sh, which makes and uses .venv")
    return Check("environment", "ok", f"{where}; {python}")


def checks(cur: Curriculum) -> dict[str, Callable[[], Check]]:
    """Every check by name, in the order doctor prints them."""
    return {
        "python": check_python,
        "numpy": check_numpy,
        "packages": check_packages,
        "tinytorch": lambda: check_tinytorch(cur),
        "engine": check_engine,
        "threads": check_threads,
        "lab writable": lambda: check_writable(cur),
        "line endings": lambda: check_line_endings(cur),
        "environment": check_environment,
    }


def run(cur: Curriculum, selected: dict[str, Callable[[], Check]] | None = None) -> list[Check]:
    """Run the checks (all by default); a check that raises is reported as failing."""
    results = []
    for name, check in (checks(cur) if selected is None else selected).items():
        try:
            results.append(check())
        except Exception as err:
            results.append(Check(name, "fail", f"the check itself failed: {type(err).__name__}: {err}",
                                 "report this with the output of: invoke doctor --json"))
    return results


def render(results: list[Check], colour: bool | None = None) -> str:
    colour = use_colour() if colour is None else colour
    width = max(len(result.name) for result in results)
    lines = []
    for result in results:
        lines.append(f"{paint(result.status.ljust(4), result.status, colour)}  "
                     f"{result.name.ljust(width)}  {result.message}")
        if result.fix and result.status != "ok":
            lines.append(f"{'':4}  {'':{width}}  fix: {result.fix}")
    counts = {status: sum(r.status == status for r in results) for status in ("ok", "warn", "fail")}
    lines.append(f"{len(results)} checks: " + ", ".join(f"{n} {status}" for status, n in counts.items()))
    return "\n".join(lines)


def as_json(results: list[Check]) -> str:
    return json.dumps({"ok": not failed(results), "checks": [asdict(r) for r in results]}, indent=2)


def failed(results: list[Check]) -> bool:
    return any(result.status == "fail" for result in results)
