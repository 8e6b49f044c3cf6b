"""lab.doctor: each check passes on a sound environment and fails (or warns) on a broken one."""
import json
import os

import numpy as np
import pytest

from lab import ROOT, pins
from lab import doctor as d
from lab.curriculum import load
from lab.overlay import ENV

CUR = load(ROOT)


@pytest.mark.parametrize("version, spec, expected", [
    ("2.4.6", ">=2.0", True), ("1.26.4", ">=2.0", False), ("2.4.6", ">=2.0,<2.4", False),
    ("2.4.6", "==2.4.*", True), ("2.5.0", "==2.4.*", False), ("2.4.6", "!=2.4.6", False),
    ("2.4.6rc1", ">2.4", True), ("3.0", "<=3.0", True), ("3.0.1", "<3", False),
])
def test_satisfies_reads_version_ranges(version, spec, expected):
    assert d.satisfies(version, spec) is expected


def test_numpy_range_comes_from_pyproject():
    assert pins.supported_range("numpy") and d.satisfies(np.__version__, pins.supported_range("numpy"))
    assert pins.supported_range("no-such-package") == ""


def test_a_supported_range_drops_markers_and_matches_names_canonically(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\ndependencies = ["NumPy >=2.0,<3 ; python_version>=\'3.11\'", "scikit_learn"]\n')
    assert pins.supported_range("numpy", pyproject) == ">=2.0,<3"
    assert pins.supported_range("scikit-learn", pyproject) == ""


def test_python_supported_ok_unsupported_fails():
    ok = d.check_python("3.12.1", ("3.11", "3.12"), "3.12.12")
    assert ok.status == "ok" and "3.12.12" in ok.message
    bad = d.check_python("3.9.18", ("3.11", "3.12"), "3.12.12")
    assert bad.status == "fail" and "3.9.18 is not supported" in bad.message and "3.12" in bad.fix
    assert d.check_python().status == "ok"  # this interpreter is a supported one


def test_numpy_outside_the_range_fails_off_the_pin_warns():
    assert d.check_numpy("2.4.6", ">=2.0", "2.4.6").status == "ok"
    wrong = d.check_numpy("1.26.4", ">=2.0", "2.4.6")
    assert wrong.status == "fail" and "1.26.4 is outside the supported range >=2.0" in wrong.message
    assert "pip install" in wrong.fix
    assert d.check_numpy("2.3.0", ">=2.0", "2.4.6").status == "warn"


def test_a_missing_package_fails_and_a_version_off_its_pin_warns():
    here = {"pytest": pytest.__version__, "numpy": np.__version__}
    assert d.check_packages(here).status == "ok"
    missing = d.check_packages({**here, "no-such-package-xyz": "1.0"})
    assert missing.status == "fail" and "cannot import: no-such-package-xyz" in missing.message
    off = d.check_packages({"numpy": "0.0.1"})
    assert off.status == "warn" and f"numpy {np.__version__} (pinned 0.0.1)" in off.message


def test_import_names_come_from_package_metadata():
    assert d._import_name("numpy") == "numpy"
    assert d._import_name("pytest") in ("pytest", "_pytest")


def test_tinytorch_must_be_this_checkouts(tmp_path):
    assert d.check_tinytorch(CUR, lambda: ROOT / "tinytorch").status == "ok"
    other = d.check_tinytorch(CUR, lambda: tmp_path / "tinytorch")
    assert other.status == "fail" and "not this checkout's" in other.message and "pip uninstall" in other.fix
    assert d.check_tinytorch(CUR, lambda: None).status == "warn"


def test_locate_tinytorch_finds_what_a_plain_import_takes(tmp_path):
    (tmp_path / "tinytorch").mkdir()
    (tmp_path / "tinytorch" / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    assert d.locate_tinytorch(env=env) == (tmp_path / "tinytorch").resolve()
    (tmp_path / "tinytorch" / "__init__.py").write_text("raise ImportError('broken')")
    assert d.locate_tinytorch(env=env) is None


def test_the_engine_self_check_passes_on_the_reference(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    check = d.check_engine()
    assert check.status == "ok", check.message


def test_a_broken_engine_fails(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)

    def raises():
        raise NotImplementedError("backward is missing")

    crashed = d.check_engine(run=raises)
    assert crashed.status == "fail" and "NotImplementedError: backward is missing" in crashed.message
    wrong = d.check_engine(run=lambda: (2.5, np.zeros((2, 2)), np.array([[1.0], [-2.0]])))
    assert wrong.status == "fail" and "expected loss=2.5" in wrong.message
    right = d.check_engine(run=lambda: (2.5, [[0.5, -1.0], [0.0, 0.0]], [[1.0], [-2.0]]))
    assert right.status == "ok"


def test_the_engine_check_warns_when_lab_mode_is_left_on(monkeypatch):
    monkeypatch.setenv(ENV, "/somewhere")
    check = d.check_engine(run=lambda: (2.5, [[0.5, -1.0], [0.0, 0.0]], [[1.0], [-2.0]]))
    assert check.status == "warn" and f"unset {ENV}" in check.fix


BLAS = {"user_api": "blas", "internal_api": "openblas", "version": "0.3.27", "num_threads": 2}


def test_threads_ok_oversubscribed_or_without_blas():
    assert d.check_threads([BLAS], cores=2).status == "ok"
    over = d.check_threads([{**BLAS, "num_threads": 64}], cores=2)
    assert over.status == "warn" and "oversubscribed" in over.message and "OPENBLAS_NUM_THREADS=2" in over.fix
    none = d.check_threads([{"user_api": "openmp", "internal_api": "openmp", "num_threads": 1}], cores=2)
    assert none.status == "warn" and "no BLAS" in none.message


def test_available_cores_honours_a_cgroup_quota(tmp_path):
    quota = tmp_path / "cpu.max"
    quota.write_text("100000 100000\n")
    assert d.available_cores(quota) == 1
    quota.write_text("max 100000\n")
    assert d.available_cores(quota) == d.available_cores(tmp_path / "absent") >= 1


def test_lab_must_be_writable(tmp_path):
    assert d.check_writable(CUR, [tmp_path]).status == "ok"
    blocker = tmp_path / "file"
    blocker.write_text("")
    bad = d.check_writable(CUR, [tmp_path, blocker])
    assert bad.status == "fail" and "cannot write in" in bad.message


def test_crlf_scripts_fail(tmp_path):
    (tmp_path / "run.sh").write_bytes(b"#!/bin/sh\necho hi\n")
    (tmp_path / "tool").write_bytes(b"#!/usr/bin/env python3\r\nprint(1)\r\n")
    (tmp_path / "notes.txt").write_bytes(b"a\r\nb\r\n")
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / "x.sh").write_bytes(b"a\r\n")
    found = d.scripts(tmp_path)
    assert found == [tmp_path / "run.sh", tmp_path / "tool"]
    bad = d.check_line_endings(CUR, found)
    assert bad.status == "fail" and str(tmp_path / "tool") in bad.message and "sed -i" in bad.fix
    assert d.check_line_endings(CUR, found[:1]).status == "ok"
    assert d.check_line_endings(CUR).status == "ok"  # this checkout's own scripts


def test_environment_says_where_it_runs(tmp_path):
    absent = tmp_path / "absent"
    codespaces = d.check_environment({"CODESPACES": "true"}, absent, in_venv=False)
    assert codespaces.status == "ok" and "GitHub Codespaces" in codespaces.message
    (tmp_path / ".dockerenv").write_text("")
    assert "a container" in d.check_environment({}, tmp_path / ".dockerenv", in_venv=False).message
    bare = d.check_environment({}, absent, in_venv=False)
    assert bare.status == "warn" and "./lab.sh" in bare.fix
    assert d.check_environment({}, absent, in_venv=True).status == "ok"


def test_a_check_that_raises_is_a_failure_and_the_output_shows_fixes():
    def broken():
        raise RuntimeError("boom")

    results = d.run(CUR, {"fine": lambda: d.Check("fine", "ok", "all good"), "broken": broken,
                          "meh": lambda: d.Check("meh", "warn", "so so", "do this")})
    assert [r.status for r in results] == ["ok", "fail", "warn"]
    assert results[1].name == "broken" and "RuntimeError: boom" in results[1].message
    assert d.failed(results) and not d.failed(results[::2])
    text = d.render(results, colour=False)
    assert "ok    fine    all good" in text and "fix: do this" in text and "\033" not in text
    assert text.endswith("3 checks: 1 ok, 1 warn, 1 fail")
    assert "\033[31mfail\033[0m" in d.render(results, colour=True)
    data = json.loads(d.as_json(results))
    assert data["ok"] is False and data["checks"][2] == {"name": "meh", "status": "warn", "message": "so so",
                                                         "fix": "do this"}


def test_every_check_runs_on_this_machine(monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    results = d.run(CUR)
    assert [r.name for r in results] == list(d.checks(CUR))
    assert all(r.status in ("ok", "warn", "fail") and r.message for r in results)
    assert not [r for r in results if "the check itself failed" in r.message]
    assert all(r.fix for r in results if r.status != "ok")
