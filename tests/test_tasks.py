"""The invoke tasks, run as a learner runs them (`python -m invoke ...`) in a fake checkout."""
import json
import os
import subprocess
import sys

import pytest
from invoke import Collection, Exit, MockContext

import tasks
from lab import ROOT
from lab import doctor as lab_doctor
from lab.overlay import ENV
from lab.testing import make_repo, solve


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path)


def invoke(root, *args):
    env = {k: v for k, v in os.environ.items() if k != ENV}
    env["PYTHONPATH"] = str(root)
    return subprocess.run([sys.executable, "-m", "invoke", *args], cwd=root, env=env,
                          capture_output=True, text=True)


def test_every_task_and_option_says_what_it_does():
    collection = Collection.from_module(tasks)
    assert sorted(collection.task_names) == [
        "bench", "check", "doctor", "milestone", "milestones", "reset", "scaffold", "status", "test",
    ]
    for name in collection.task_names:
        task = collection[name]
        assert task.__doc__ and task.__doc__.strip(), name
        for argument in task.get_arguments():
            assert argument.help, f"invoke {name} --{argument.name} has no help text"


def test_invoke_list_reads_well():
    done = invoke(ROOT, "--list")
    assert done.returncode == 0, done.stderr
    for name in Collection.from_module(tasks).task_names:
        assert f"  {name} " in done.stdout


def test_a_newcomers_first_module(repo):
    started = invoke(repo.root, "status")
    assert started.returncode == 0 and "Next: invoke scaffold --module 01" in started.stdout

    scaffolded = invoke(repo.root, "scaffold", "--module", "01")
    assert scaffolded.returncode == 0, scaffolded.stderr
    assert "Wrote lab/tinytorch/alpha.py: 3 parts for you to write: double, Box.__init__, Box.get" \
        in scaffolded.stdout
    assert "Guide: lab/modules/01_alpha/README.md" in scaffolded.stdout
    assert "Next:  invoke test --module 01" in scaffolded.stdout

    failing = invoke(repo.root, "test", "--module", "01")
    assert failing.returncode == 1
    assert "0 of 3 tests pass" in failing.stdout and "still to write (2): double, Box.__init__" in failing.stdout
    assert "Your code: alpha. Reference: beta." in failing.stdout

    solve(repo, "alpha")  # the learner writes the module
    passing = invoke(repo.root, "test", "--module", "alpha")
    assert passing.returncode == 0 and "3 of 3 tests pass (all pass)" in passing.stdout

    status = invoke(repo.root, "status")
    assert status.returncode == 0
    assert "01  alpha   yes      3/3  all pass" in status.stdout
    assert "Next: invoke scaffold --module 02" in status.stdout


@pytest.mark.parametrize("args, complaint", [
    (["scaffold"], "say which module with --module"),
    (["scaffold", "--module", "99"], "Unknown module '99'"),
    (["scaffold", "-m", "gamma"], "Unknown module 'gamma'"),
    (["reset"], "say which module with --module"),
    (["reset", "-m", "0"], "Unknown module '0'"),
    (["test", "-m", "beta"], "02 beta is not started: lab/tinytorch/beta.py does not exist"),
    (["test", "-m", "3", "--reference"], "Unknown module '3'"),
    (["test"], "no module started yet. Start with: invoke scaffold --module 01"),
    (["milestone", "nope"], "Unknown milestone 'nope'"),
    (["milestone", "7"], "Unknown milestone '7'"),
])
def test_bad_input_gets_the_valid_choices_and_exit_2(repo, args, complaint):
    done = invoke(repo.root, *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert complaint in done.stderr
    if "milestone" in args:
        assert "demo" in done.stderr
    elif "started" not in complaint:
        assert "01 alpha" in done.stderr and "02 beta" in done.stderr


def test_scaffold_never_overwrites_and_force_and_reset_back_up_exactly(repo):
    assert invoke(repo.root, "scaffold", "-m", "alpha").returncode == 0
    mine = repo.learner_file(repo.module("alpha"))
    work = "def double(x):\n    return x + x  # my work\n"
    mine.write_text(work)

    refused = invoke(repo.root, "scaffold", "-m", "alpha")
    assert refused.returncode == 1 and "invoke reset --module 01" in refused.stderr
    assert mine.read_text() == work and not repo.backups.exists()

    forced = invoke(repo.root, "scaffold", "-m", "alpha", "--force")
    assert forced.returncode == 0
    (first,) = repo.backups.iterdir()
    assert first.read_text() == work and f"saved as lab/backups/{first.name}" in forced.stdout
    assert "NotImplementedError" in mine.read_text()

    mine.write_text(work + "# more\n")
    reset = invoke(repo.root, "reset", "-m", "1")
    assert reset.returncode == 0
    second = [p for p in repo.backups.iterdir() if p != first]
    assert len(second) == 1 and second[0].read_text() == work + "# more\n"
    assert first.read_text() == work
    assert "NotImplementedError" in mine.read_text()


def test_reset_of_a_module_not_started_just_scaffolds(repo):
    done = invoke(repo.root, "reset", "-m", "beta")
    assert done.returncode == 0 and "02 beta was not started: nothing to back up" in done.stdout
    assert repo.started(repo.module("beta")) and not repo.backups.exists()


def test_scaffold_warns_about_earlier_modules_not_passing(repo):
    ahead = invoke(repo.root, "scaffold", "-m", "beta")
    assert "warn: earlier modules" in ahead.stdout and "01 alpha: not started" in ahead.stdout
    assert invoke(repo.root, "scaffold", "-m", "alpha").returncode == 0
    again = invoke(repo.root, "reset", "-m", "beta")
    assert "01 alpha: 0 of 3 tests pass" in again.stdout
    solve(repo, "alpha")
    assert "warn:" not in invoke(repo.root, "reset", "-m", "beta").stdout


def test_test_runs_every_started_module_the_reference_and_passes_pytest_options(repo):
    solve(repo, "alpha")
    invoke(repo.root, "scaffold", "-m", "beta")
    both = invoke(repo.root, "test")
    assert both.returncode == 1 and "01 alpha: 3 of 3" in both.stdout and "02 beta: 0 of 1" in both.stdout
    invoke(repo.root, "reset", "-m", "alpha")
    reference = invoke(repo.root, "test", "--reference")
    assert reference.returncode == 0 and "01 alpha: 3 of 3" in reference.stdout
    assert "Reference: alpha, beta." in reference.stdout
    chosen = invoke(repo.root, "test", "-m", "1", "--", "-k", "double")
    assert "01 alpha: 0 of 1 tests pass" in chosen.stdout and "02 beta" not in chosen.stdout
    shown = invoke(repo.root, "test", "-m", "1", "--verbose")
    assert "short test summary info" in shown.stdout


def test_milestone_runs_its_script_in_lab_mode_with_options_and_its_exit_status(repo):
    solve(repo, "alpha")
    done = invoke(repo.root, "milestone", "demo", "--json", "--seed", "1", "--", "--exit", "3")
    assert done.returncode == 3, done.stderr
    assert json.loads(done.stdout) == {"seed": "1", "json": True,
                                       "whose": {"alpha": "yours", "beta": "reference"}}
    by_number = invoke(repo.root, "milestone", "1")
    assert by_number.returncode == 0 and json.loads(by_number.stdout)["seed"] is None


def test_a_milestone_on_a_file_that_does_not_parse_says_where_not_a_traceback(repo):
    solve(repo, "alpha").write_text("def double(x):\n    return 2 * x\n\ndef broken(:\n")
    done = invoke(repo.root, "milestone", "demo")
    assert done.returncode == 1 and done.stdout == ""
    assert "milestone 01 demo cannot start: your code does not parse" in done.stderr
    assert "lab/tinytorch/alpha.py:4: SyntaxError:" in done.stderr
    assert "(then: invoke test --module 01)" in done.stderr and "Traceback" not in done.stderr


def test_milestones_are_listed_and_a_missing_script_is_reported(repo):
    listed = invoke(repo.root, "milestones")
    assert listed.returncode == 0 and "demo" in listed.stdout and "0 of 2 started" in listed.stdout
    repo.script(repo.milestone("demo")).unlink()
    missing = invoke(repo.root, "milestone", "demo")
    assert missing.returncode == 1 and "its script milestones/01_1999_demo/demo.py is missing" in missing.stderr


def test_check_runs_the_suite_on_the_reference_and_no_tests_is_a_failure(repo):
    invoke(repo.root, "scaffold", "-m", "alpha")  # check ignores the learner's files
    passed = invoke(repo.root, "check")
    assert passed.returncode == 0 and "4 passed" in passed.stdout
    nothing = invoke(repo.root, "check", "--", "-k", "no_such_test")
    assert nothing.returncode == 1 and "collected no tests" in nothing.stderr
    test_file = repo.module_dir(repo.module("beta")) / "test_beta.py"
    test_file.write_text(test_file.read_text() + "\n\ndef test_broken():\n    assert False\n")
    assert invoke(repo.root, "check").returncode == 1
    test_file.write_text("def test_broken(:\n")  # pytest exits 2 on a collection error; 2 is bad input here
    unloadable = invoke(repo.root, "check")
    assert unloadable.returncode == 1 and "SyntaxError" in unloadable.stdout


def test_pytest_options_it_refuses_are_bad_input(repo):
    solve(repo, "alpha")
    for task in (["test", "-m", "1"], ["check"]):
        done = invoke(repo.root, *task, "--", "--no-such-option")
        assert done.returncode == 2, done.stdout + done.stderr
        assert "--no-such-option" in done.stderr


def test_bench_needs_the_benchmarks_package_and_passes_its_options(repo):
    missing = invoke(repo.root, "bench")
    assert missing.returncode == 1 and "no benchmarks in this checkout" in missing.stderr
    (repo.root / "benchmarks").mkdir()
    (repo.root / "benchmarks" / "__main__.py").write_text(
        "import sys\nprint(sys.argv[1:])\nraise SystemExit(4)\n")
    done = invoke(repo.root, "bench", "--", "--quick", "--json")
    assert done.returncode == 4 and "['--quick', '--json']" in done.stdout


@pytest.mark.parametrize("status, code", [("ok", None), ("warn", None), ("fail", 1)])
def test_doctor_exits_non_zero_only_on_a_failure(monkeypatch, capsys, status, code):
    monkeypatch.setattr(lab_doctor, "checks", lambda cur: {"x": lambda: lab_doctor.Check("x", status, "m", "f")})
    if code is None:
        tasks.doctor(MockContext(), json_=True)
    else:
        with pytest.raises(Exit) as err:
            tasks.doctor(MockContext(), json_=True)
        assert err.value.code == code
    assert json.loads(capsys.readouterr().out)["checks"][0]["status"] == status


def test_doctor_on_this_checkout_exits_as_its_checks_say():
    done = invoke(ROOT, "doctor", "--json")
    report = json.loads(done.stdout)
    assert [c["name"] for c in report["checks"]] == list(lab_doctor.checks(None))
    assert done.returncode == (0 if report["ok"] else 1)
    assert report["ok"] == all(c["status"] != "fail" for c in report["checks"])
