"""lab.scaffold: finding solution blocks, stubbing them, and never losing a learner's file."""
import ast
import subprocess
import sys
import textwrap
from datetime import datetime

import pytest

from lab import ROOT
from lab.curriculum import load
from lab.overlay import child_env
from lab.runner import run_tests
from lab.scaffold import (
    LearnerFileExists,
    ScaffoldError,
    backup,
    find_blocks,
    render,
    scaffold_text,
    stub_message,
    stub_named,
    write_scaffold,
)
from lab.testing import make_repo

SOURCE = textwrap.dedent('''
    def top(x):
        """Doc."""
        # BEGIN SOLUTION
        return x
        # END SOLUTION


    class Shape:
        def area(self):
            # BEGIN SOLUTION
            return 1
            # END SOLUTION

        class Inner:
            async def fetch(self):
                # BEGIN SOLUTION
                return 2
                # END SOLUTION


    def outer():
        def inner(y):
            # BEGIN SOLUTION
            y = y + 1
            # END SOLUTION
            return y

        if True:
            # BEGIN SOLUTION
            z = inner(1)
            # END SOLUTION
        else:
            z = 0
        return z
''')


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path)


def test_each_block_knows_its_function():
    blocks = find_blocks(SOURCE)
    assert [b.function for b in blocks] == [
        "top", "Shape.area", "Shape.Inner.fetch", "outer.<locals>.inner", "outer",
    ]
    assert [b.indent for b in blocks] == [" " * 4, " " * 8, " " * 12, " " * 8, " " * 8]
    lines = SOURCE.splitlines()
    assert all(lines[b.begin - 1].strip() == "# BEGIN SOLUTION" for b in blocks)
    assert all(lines[b.end - 1].strip() == "# END SOLUTION" for b in blocks)


def test_the_stub_names_module_function_and_guide_and_the_rest_stays(repo):
    module = repo.module("alpha")
    text = render(repo, module, SOURCE, find_blocks(SOURCE))
    tree = ast.parse(text)  # a block followed by more code still gives code that parses
    raises = [node for node in ast.walk(tree) if isinstance(node, ast.Raise)]
    assert len(raises) == 5
    assert ('raise NotImplementedError("01 alpha: outer.<locals>.inner is yours to write; '
            'see lab/modules/01_alpha/README.md")') in text
    assert "return x" not in text and "SOLUTION" not in text
    assert '"""Doc."""' in text and "return y" in text and "z = 0" in text


def test_a_stubs_message_is_recognised_wherever_it_is_quoted(repo):
    message = stub_message(repo, repo.module("beta"), "Outer.<locals>.inner")
    assert stub_named(f"AssertionError: expected a ValueError, got {message!r}") == ("02 beta", "Outer.<locals>.inner")
    assert stub_named("NotImplementedError: not yet") is None


def test_stubbing_one_block_leaves_the_others_whole(repo):
    blocks = find_blocks(SOURCE)
    text = render(repo, repo.module("alpha"), SOURCE, blocks, stub=lambda b: b is blocks[1])
    assert text.count("NotImplementedError") == 1 and "Shape.area is yours" in text
    assert "return x" in text and "return 2" in text and text.count("# BEGIN SOLUTION") == 4
    ast.parse(text)


@pytest.mark.parametrize("source, complaint", [
    ("def f():\n    #BEGIN SOLUTION\n    pass\n    # END SOLUTION\n", "malformed marker"),
    ("def f():\n    # BEGIN SOLUTION: here\n    pass\n    # END SOLUTION\n", "malformed marker"),
    ("def f():\n    # begin solution\n    pass\n    # END SOLUTION\n", "malformed marker"),
    ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    pass\n", "inside the block opened at line 2"),
    ("def f():\n    pass\n    # END SOLUTION\n", "without a '# BEGIN SOLUTION'"),
    ("def f():\n    # BEGIN SOLUTION\n    pass\n", "never closed"),
    ("def f():\n    # BEGIN SOLUTION\n    pass\n  # END SOLUTION\n", "not indented like"),
    ("# BEGIN SOLUTION\nX = 1\n# END SOLUTION\n", "must be inside a function"),
    ("class C:\n    # BEGIN SOLUTION\n    x = 1\n    # END SOLUTION\n", "must be inside a function"),
    ("def f():\n    # BEGIN SOLUTION\n  pass\n    # END SOLUTION\n", "does not parse"),
])
def test_bad_markers_are_refused_with_file_and_line(source, complaint):
    with pytest.raises(ScaffoldError, match=complaint) as err:
        find_blocks(source, "ref.py")
    assert str(err.value).startswith("ref.py:")


def test_a_scaffold_compiles_and_says_where_it_came_from(repo):
    text, blocks = scaffold_text(repo, repo.module("alpha"))
    compile(text, "alpha.py", "exec")
    assert text.startswith("# Your Alpha (01 alpha), scaffolded from tinytorch/alpha.py.")
    assert [b.function for b in blocks] == ["double", "Box.__init__", "Box.get"]
    assert 'self.label = f"box of {value}"' in text  # plumbing after a block stays


def test_scaffolding_needs_a_reference_with_blocks(repo):
    module = repo.module("beta")
    repo.reference_file(module).write_text("def quadruple(x):\n    return 4 * x\n")
    with pytest.raises(ScaffoldError, match="no '# BEGIN SOLUTION' blocks"):
        scaffold_text(repo, module)
    repo.reference_file(module).unlink()
    with pytest.raises(ScaffoldError, match="reference tinytorch/beta.py is missing"):
        scaffold_text(repo, module)


def test_a_learners_file_is_never_overwritten(repo):
    module = repo.module("alpha")
    first = write_scaffold(repo, module)
    assert first.backup is None and first.path == repo.learner_file(module)
    work = "def double(x):\n    return x + x  # mine\n"
    first.path.write_text(work)
    with pytest.raises(LearnerFileExists, match="invoke reset --module 01"):
        write_scaffold(repo, module)
    assert first.path.read_text() == work
    assert not repo.backups.exists()


def test_force_keeps_an_exact_timestamped_backup_first(repo):
    module = repo.module("alpha")
    path = write_scaffold(repo, module).path
    work = "def double(x):\n    return x + x  # mine, with ünïcode and no final newline"
    path.write_text(work)
    now = datetime(2030, 1, 2, 3, 4, 5)
    again = write_scaffold(repo, module, force=True, now=now)
    assert again.backup.name == "alpha-20300102-030405.py"
    assert again.backup.read_text() == work
    assert "NotImplementedError" in path.read_text()
    path.write_text(work + "\n# second")
    third = write_scaffold(repo, module, force=True, now=now)
    assert third.backup.name == "alpha-20300102-030405-2.py"
    assert third.backup.read_text() == work + "\n# second"
    assert again.backup.read_text() == work


def test_backup_copies_bytes_exactly(repo, tmp_path):
    path = tmp_path / "x.py"
    path.write_bytes(b"a\r\nb\x00\xff")
    assert backup(repo, path).read_bytes() == b"a\r\nb\x00\xff"


# -- the real curriculum ---------------------------------------------------------------------------

CUR = load(ROOT)


@pytest.mark.parametrize("module", CUR.modules, ids=lambda m: m.slug)
def test_every_real_scaffold_imports_and_fails_its_tests(module, tmp_path):
    """Lab mode on a folder holding just this scaffold: tinytorch imports, takes the learner's
    file, and the module's tests fail on its stubs."""
    text, _ = scaffold_text(CUR, module)
    (tmp_path / module.file).write_text(text)
    probe = subprocess.run(
        [sys.executable, "-c", f"import sys, tinytorch; print(sys.modules['tinytorch.{module.submodule}'].__file__)"],
        cwd=ROOT, env=child_env(CUR, tmp_path), capture_output=True, text=True,
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == str(tmp_path / module.file)
    result = run_tests(CUR, [module], tmp_path, ["-x"]).results[0]  # one failure is enough
    assert result.failed > 0 and result.stubs, f"{module.label}: its tests pass on a bare scaffold"
