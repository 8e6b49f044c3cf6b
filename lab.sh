#!/bin/sh
# TinyTorch Lab bootstrap: `./lab.sh ARGS...` runs `invoke ARGS...` in the lab's environment.
#
# First use: picks a python3 new enough for pyproject.toml's requires-python, creates .venv and
# installs tinytorch with its pinned lab tools (`pip install -e ".[lab]"`). It installs again
# whenever pyproject.toml changes (or the folder moves), and otherwise starts at once.
#
#   PYTHON=/path/to/python3   the interpreter that creates .venv (default: the first suitable
#                             of python3, python3.13, python3.12, python3.11)
#   LAB_PYTHON=/path/to/python   install into that interpreter's environment instead of .venv
#                             (the Docker image sets it to its conda environment)
#
# The Docker image, the dev container, CI and a learner's laptop all install through this file.
set -eu

cd "$(dirname "$0")"

say() { printf 'lab.sh: %s\n' "$*" >&2; }
die() { say "$@"; exit 1; }

need=$(sed -n 's/^requires-python = ">=\([0-9]*\.[0-9]*\)"$/\1/p' pyproject.toml)
[ -n "$need" ] || die "cannot read requires-python (\">=X.Y\") in pyproject.toml"
need_tuple="($(echo "$need" | tr . ,))"

# is_suitable PYTHON: true when PYTHON runs and is at least version $need.
is_suitable() {
    "$1" -c "import sys; sys.exit(sys.version_info < $need_tuple)" >/dev/null 2>&1
}

pick_python() {
    if [ -n "${PYTHON:-}" ]; then
        is_suitable "$PYTHON" || die "PYTHON=$PYTHON is not a Python >= $need (the lab needs >= $need)"
        echo "$PYTHON"
        return
    fi
    for candidate in python3 python3.13 python3.12 python3.11; do
        if command -v "$candidate" >/dev/null 2>&1 && is_suitable "$candidate"; then
            echo "$candidate"
            return
        fi
    done
    die "no Python >= $need found (tried python3, python3.13, python3.12, python3.11)." \
        "Install one (python.org, your package manager or pyenv), or name it: PYTHON=/path/to/python3 ./lab.sh"
}

if [ -n "${LAB_PYTHON:-}" ]; then
    is_suitable "$LAB_PYTHON" || die "LAB_PYTHON=$LAB_PYTHON is not a Python >= $need"
    py=$LAB_PYTHON
else
    py=.venv/bin/python
    if ! is_suitable "$py"; then
        base=$(pick_python)
        rm -rf .venv
        say "creating .venv with $base ($("$base" -c 'import platform; print(platform.python_version())'))"
        "$base" -m venv .venv ||
            die "could not create .venv with $base (on Debian or Ubuntu: apt install python3-venv)"
    fi
fi

prefix=$("$py" -c 'import sys; print(sys.prefix)')
stamp="$prefix/.tinytorch-lab-stamp"
log="$prefix/tinytorch-lab-install.log"
want="$(pwd) $(cksum <pyproject.toml)"

if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    say "installing tinytorch and the pinned lab tools into $prefix (once per change of pyproject.toml)..."
    if ! "$py" -m pip install --disable-pip-version-check --quiet --editable ".[lab]" >"$log" 2>&1; then
        tail -n 25 "$log" >&2
        die "the install failed; the whole log is in $log"
    fi
    echo "$want" >"$stamp"
    say "ready."
fi

# invoke insists on a task's positional argument, so the listing form goes to `milestones`.
if [ "$*" = "milestone --list" ] || [ "$*" = "milestone" ]; then
    set -- milestones
fi

exec "$py" -m invoke "$@"
