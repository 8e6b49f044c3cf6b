"""lab.overlay, lab.runner and lab.status on a fake checkout (and the overlay on the real engine)."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from lab import ROOT, LabError
from lab.curriculum import load
from lab.overlay import ENV, child_env, describe
from lab.runner import ModuleResult, Record, Report, run_tests, summary
from lab.scaffold import write_scaffold
from lab.status import not_passing, render, results, waiting_for
from lab.testing import make_repo, solve


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path)


def python(repo, code, lab_folder):
    done = subprocess.run([sys.executable, "-c", code], cwd=repo.root, env=child_env(repo, lab_folder),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


WHOSE = "import json, tinytorch; from lab.overlay import whose_code; print(json.dumps(whose_code()))"


def test_the_overlay_takes_the_learners_module_and_the_reference_for_the_rest(repo):
    solve(repo, "alpha")
    assert python(repo, WHOSE, repo.lab_package) == {"alpha": "yours", "beta": "reference"}
    assert python(repo, WHOSE, None) == {"alpha": "reference", "beta": "reference"}


def test_the_learners_code_is_what_runs(repo):
    path = solve(repo, "alpha")
    path.write_text(path.read_text().replace("return 2 * x", "return 'mine'"))
    code = "import json, tinytorch; print(json.dumps([tinytorch.double(1), tinytorch.quadruple(1)]))"
    # beta is the reference's, and it calls the learner's double
    assert python(repo, code, repo.lab_package) == ["mine", "mine"]
    assert python(repo, code, None) == [2, 4]


def test_child_env_puts_this_checkout_first_and_sets_or_clears_lab_mode(repo):
    base = {"PYTHONPATH": os.pathsep.join(["/elsewhere", str(repo.root)]), ENV: "/old", "KEEP": "1"}
    on = child_env(repo, repo.lab_package, base)
    assert on["PYTHONPATH"].split(os.pathsep) == [str(repo.root), "/elsewhere"]
    assert on[ENV] == str(repo.lab_package) and on["KEEP"] == "1"
    assert ENV not in child_env(repo, None, base)
    assert base[ENV] == "/old"


def test_the_real_engine_overlays_a_learners_module(tmp_path):
    """tinytorch/__init__.py's overlay: a learner's first module is used, the rest is the reference."""
    cur = load(ROOT)
    first = cur.modules[0]
    shutil.copy(cur.reference_file(first), tmp_path / first.file)
    whose = python(cur, WHOSE, tmp_path)
    assert whose[first.name] == "yours"
    assert {name for name, owner in whose.items() if owner == "reference"} == \
        {m.name for m in cur.modules} - {first.name}


def test_describe_names_whose_code_ran():
    assert describe({"a": "yours", "b": "reference", "c": "reference"}) == "Your code: a. Reference: b, c."
    assert describe({"a": "reference"}) == "Reference: a."


def test_a_fresh_scaffold_fails_and_the_summary_names_what_to_write(repo):
    write_scaffold(repo, repo.module("alpha"))
    report = run_tests(repo, [repo.module("alpha")], repo.lab_package)
    result = report.results[0]
    assert (result.passed, result.failed, result.total) == (0, 3, 3)
    assert result.stubs == ["double", "Box.__init__"]
    assert all(test.yours for test in result.tests)
    assert report.whose == {"alpha": "yours", "beta": "reference"}
    text = summary(repo, report)
    assert "01 alpha: 0 of 3 tests pass (3 failing)" in text
    assert "still to write (2): double, Box.__init__" in text
    assert "next: write double (guide: lab/modules/01_alpha/README.md), then: invoke test --module 01" in text
    assert "Your code: alpha. Reference: beta." in text
    assert text.endswith("0 passed, 3 failed")


def test_a_solved_module_passes(repo):
    solve(repo, "alpha")
    report = run_tests(repo, [repo.module("alpha")], repo.lab_package)
    assert report.ok and report.results[0].passed == 3
    assert "all pass" in summary(repo, report)


def test_a_wrong_answer_names_the_test_and_where_it_failed(repo):
    path = solve(repo, "alpha")
    path.write_text(path.read_text().replace("return 2 * x", "return 3 * x"))
    result = run_tests(repo, [repo.module("alpha")], repo.lab_package).results[0]
    (failure,) = [test for test in result.tests if test.outcome == "failed"]
    assert failure.name == "test_double" and failure.exception == "AssertionError"
    assert failure.location.endswith("test_alpha.py:5") and failure.function == ""
    text = summary(repo, run_tests(repo, [repo.module("alpha")], repo.lab_package))
    assert "FAIL test_double  at lab/modules/01_alpha/test_alpha.py:5" in text
    assert "assert 9 == 6" in text


def test_a_failure_inside_a_test_helper_points_at_the_test_and_keeps_the_helpers_message(repo):
    solve(repo, "alpha")
    test_file = repo.module_dir(repo.module("alpha")) / "test_alpha.py"
    test_file.write_text("import numpy as np\nimport tinytorch\n\n\ndef test_double():\n"
                         "    np.testing.assert_allclose(tinytorch.double(3), 7)\n")
    (failure,) = run_tests(repo, [repo.module("alpha")], repo.lab_package).results[0].tests
    assert failure.location == f"{test_file}:6" and failure.function == ""
    assert failure.message.startswith("AssertionError: Not equal to tolerance")
    assert "Max absolute difference" in failure.message


def test_an_error_inside_the_learners_code_names_their_function(repo):
    path = solve(repo, "alpha")
    path.write_text(path.read_text().replace("return self.value", "return self.valeu"))
    result = run_tests(repo, [repo.module("alpha")], repo.lab_package).results[0]
    (failure,) = [test for test in result.tests if test.outcome == "failed"]
    assert (failure.function, failure.exception, failure.yours) == ("Box.get", "AttributeError", True)
    assert failure.location == f"{path}:21"
    assert "in Box.get (lab/tinytorch/alpha.py:21, yours)" in summary(repo, run_tests(
        repo, [repo.module("alpha")], repo.lab_package))


def test_a_file_that_does_not_parse_is_reported_not_crashed_on(repo):
    solve(repo, "alpha").write_text("def double(x:\n")
    report = run_tests(repo, [repo.module("alpha")], repo.lab_package)
    (error,) = report.results[0].tests
    assert error.outcome == "error" and "SyntaxError" in error.message
    assert error.location == f"{repo.learner_file(repo.module('alpha'))}:1"
    assert not report.ok and report.whose == {}
    text = summary(repo, report)
    assert "01 alpha: 1 test file(s) could not be loaded" in text
    assert "at lab/tinytorch/alpha.py:1" in text and "next: fix the failures above" in text
    assert "01  alpha   yes      does not load: invoke test --module 01 says why" in render(
        repo, {"alpha": report.results[0]})


def test_pytest_failing_itself_is_an_error_with_its_output(repo):
    with pytest.raises(LabError, match=r"pytest itself failed \(exit status 4\)(.|\n)*--no-such-option"):
        run_tests(repo, [repo.module("alpha")], None, ["--no-such-option"])


def test_missing_tests_are_an_error_that_says_where_it_looked(repo):
    shutil.rmtree(repo.module_dir(repo.module("beta")))
    with pytest.raises(LabError, match=r"no tests found for 02 beta \(looked for lab/modules/02_beta/test_\*.py\)"):
        run_tests(repo, [repo.module("beta")], None)


def test_status_counts_tests_and_unlocks_a_milestone_when_every_module_is_yours_and_passing(repo):
    demo = repo.milestone("demo")
    assert results(repo, list(repo.modules)) == {}
    assert "waits for 01 alpha, 02 beta" in render(repo, {})
    solve(repo, "alpha")
    write_scaffold(repo, repo.module("beta"))
    done = results(repo, list(repo.modules))
    assert (done["alpha"].passed, done["alpha"].total, done["beta"].passed) == (3, 3, 0)
    assert [m.name for m in waiting_for(repo, demo, done)] == ["beta"]
    table = render(repo, done)
    assert "3/3  all pass" in table and "0/1" in table and "waits for 02 beta" in table
    assert "Next: invoke test --module 02" in table
    solve(repo, "beta")
    done = results(repo, list(repo.modules))
    assert waiting_for(repo, demo, done) == []
    assert "unlocked" in render(repo, done) and "Next: invoke milestone demo" in render(repo, done)


def test_not_passing_notes_earlier_modules(repo):
    beta = repo.module("beta")
    assert not_passing(repo, beta) == ["01 alpha: not started (the reference fills in)"]
    write_scaffold(repo, repo.module("alpha"))
    assert not_passing(repo, beta) == ["01 alpha: 0 of 3 tests pass"]
    solve(repo, "alpha")
    assert not_passing(repo, beta) == []


def test_a_stub_in_an_earlier_module_is_named_as_such(repo):
    write_scaffold(repo, repo.module("alpha"))
    solve(repo, "beta")
    report = run_tests(repo, [repo.module("beta")], repo.lab_package)
    result = report.results[0]
    assert result.stubs == [] and result.waits_on == ["double (01 alpha)"]
    text = summary(repo, report)
    assert "waits on your earlier modules' stubs: double (01 alpha)" in text
    assert "next: write double (01 alpha) first" in text


def test_a_stub_quoted_in_another_failure_counts_as_that_stub_and_stubs_come_in_file_order(repo):
    module = repo.module("alpha")
    quoted = Record("t.py::test_a", "failed", "AssertionError: the message should name x: "
                    "'01 alpha: Box.get is yours to write; see lab/modules/01_alpha/README.md'")
    raised = Record("t.py::test_b", "failed", "NotImplementedError: 01 alpha: double is yours to write; "
                    "see lab/modules/01_alpha/README.md", "NotImplementedError", "double")
    wrong = Record("t.py::test_c", "failed", "AssertionError: assert 9 == 6")
    result = ModuleResult(module, [quoted, raised, wrong, Record("t.py::test_d", "passed")])
    assert result.stubs == ["Box.get", "double"]
    text = summary(repo, Report([result], {}))
    assert "still to write (2): double, Box.get" in text
    assert "FAIL test_c" in text and "FAIL test_a" not in text and "FAIL test_b" not in text
