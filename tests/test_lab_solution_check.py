"""lab.solution_check: every solution block is caught by its module's tests (on a fake checkout)."""
import pytest

from lab.solution_check import main
from lab.testing import make_repo

UNTESTED = '''

def triple(x):
    """3x: no test looks at it."""
    # BEGIN SOLUTION
    return 3 * x
    # END SOLUTION
'''


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path)


def test_every_block_caught_passes_and_counts_them(repo, capsys):
    assert main(["--jobs", "2"], repo.root) == 0
    out = capsys.readouterr().out
    assert "solution blocks: 4 checked in 2 module(s): 4 caught, 0 missed" in out
    assert "caught  01 alpha  Box.get       tinytorch/alpha.py:20  caught by test_box_get" in out


def test_a_block_no_test_catches_is_reported_missed(repo, capsys):
    reference = repo.reference_file(repo.module("alpha"))
    reference.write_text(reference.read_text() + UNTESTED)
    assert main(["--module", "alpha"], repo.root) == 1
    out = capsys.readouterr().out
    assert "MISSED  01 alpha  triple" in out and "all 3 tests pass with it stubbed" in out
    assert "4 checked in 1 module(s): 3 caught, 1 missed" in out


def test_tests_failing_on_the_reference_make_the_module_uncheckable(repo, capsys):
    tests = repo.module_dir(repo.module("beta")) / "test_beta.py"
    tests.write_text(tests.read_text().replace("== 12", "== 13"))
    assert main(["--module", "2"], repo.root) == 1
    out = capsys.readouterr().out
    assert "ERROR 02 beta: its tests do not pass on the reference (0 of 1)" in out
    assert "0 checked in 1 module(s)" in out and "1 module(s) could not be checked" in out


def test_an_unknown_module_exits_2_with_the_valid_ones(repo, capsys):
    assert main(["--module", "gamma"], repo.root) == 2
    err = capsys.readouterr().err
    assert "Unknown module 'gamma'" in err and "01 alpha" in err


def test_no_curriculum_is_an_error_and_jobs_below_one_is_bad_input(tmp_path, capsys):
    assert main([], tmp_path) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "curriculum.toml is missing" in err
    with pytest.raises(SystemExit) as exit_:
        main(["--jobs", "0"], tmp_path)
    assert exit_.value.code == 2 and "--jobs must be at least 1, not 0" in capsys.readouterr().err
