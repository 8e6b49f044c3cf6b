"""lab.curriculum: reading lab/curriculum.toml and resolving what a learner types."""
import textwrap

import pytest

from lab import ROOT, UsageError
from lab.curriculum import CurriculumError, load
from lab.scaffold import find_blocks
from lab.testing import make_repo

MODULE = """
[[modules]]
number = {number}
name = "{name}"
title = "T"
file = "{name}.py"
summary = "s"
needs = {needs}
"""
MILESTONE = """
[[milestones]]
number = 1
name = "m"
year = 1957
title = "T"
script = "m.py"
needs = {needs}
"""


def write(tmp_path, text):
    (tmp_path / "lab").mkdir(exist_ok=True)
    (tmp_path / "lab" / "curriculum.toml").write_text(textwrap.dedent(text))
    return tmp_path


@pytest.fixture(scope="module")
def cur():
    return load(ROOT)


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    """A two-module checkout (01 alpha, 02 beta), so these tests do not depend on the real numbering."""
    return make_repo(tmp_path_factory.mktemp("checkout"))


@pytest.mark.parametrize("key", ["02", "2", "beta", "BETA", " 2 ", "02_beta", 2])
def test_a_module_is_named_by_number_name_or_folder(fake, key):
    assert fake.module(key).name == "beta"


@pytest.mark.parametrize("key", ["0", "3", "99", "bet", "", "2.0", "-2"])
def test_an_unknown_module_lists_the_valid_ones(fake, key):
    with pytest.raises(UsageError) as err:
        fake.module(key)
    assert f"Unknown module {key!r}" in str(err.value)
    for module in fake.modules:
        assert module.label in str(err.value)
    assert err.value.exit_code == 2


def test_milestones_by_name_or_number_and_unknown_ones_listed(cur):
    first = cur.milestones[0]
    assert cur.milestone(first.name) == cur.milestone(str(first.number)) == first
    with pytest.raises(UsageError) as err:
        cur.milestone("nope")
    assert first.name in str(err.value)


def test_the_real_curriculum_is_complete(cur):
    """Every module has its reference file with solution blocks, its guide and its tests; every
    milestone its script. This is what the lab's tasks rely on."""
    problems = []
    for module in cur.modules:
        reference = cur.reference_file(module)
        if not reference.is_file():
            problems.append(f"{module.label}: no reference {cur.rel(reference)}")
        elif not find_blocks(reference.read_text(), str(reference)):
            problems.append(f"{module.label}: {cur.rel(reference)} has no solution blocks")
        if not cur.guide(module).is_file():
            problems.append(f"{module.label}: no guide {cur.rel(cur.guide(module))}")
        if not list(cur.module_dir(module).glob("test_*.py")):
            problems.append(f"{module.label}: no tests in {cur.rel(cur.module_dir(module))}")
    for milestone in cur.milestones:
        if not cur.script(milestone).is_file():
            problems.append(f"milestone {milestone.name}: no script {milestone.script}")
    assert not problems, "\n".join(problems)


def test_modules_come_in_order_and_need_only_earlier_ones(cur):
    numbers = [m.number for m in cur.modules]
    assert numbers == sorted(numbers)
    for module in cur.modules:
        assert all(cur.module(need).number < module.number for need in module.needs)


def test_a_missing_curriculum_says_where_it_looked(tmp_path):
    with pytest.raises(CurriculumError, match="curriculum.toml is missing"):
        load(tmp_path)


@pytest.mark.parametrize("text, complaint", [
    ("[[modules]\n", "not valid TOML"),
    (MILESTONE.format(needs="[]"), "lists no \\[\\[modules\\]\\]"),
    (MODULE.format(number=1, name="a", needs="[]"), "lists no \\[\\[milestones\\]\\]"),
    (MODULE.format(number=1, name="a", needs="[]").replace('title = "T"\n', "")
     + MILESTONE.format(needs="[]"), "missing title"),
    (MODULE.format(number=1, name="a", needs="[]").replace('title = "T"', 'title = "T"\ncolour = 1')
     + MILESTONE.format(needs="[]"), "unknown key colour"),
    (MODULE.format(number=1, name="a", needs="[]") + MODULE.format(number=1, name="b", needs="[]")
     + MILESTONE.format(needs="[]"), "module number repeated: 1"),
    (MODULE.format(number=1, name="a", needs="[]") + MODULE.format(number=2, name="a", needs="[]")
     + MILESTONE.format(needs="[]"), "module name repeated: a"),
    (MODULE.format(number=1, name="a", needs='["b"]') + MODULE.format(number=2, name="b", needs="[]")
     + MILESTONE.format(needs="[]"), "needs 'b', which is not an earlier module"),
    (MODULE.format(number=1, name="a", needs='["zz"]') + MILESTONE.format(needs="[]"),
     "needs 'zz', which is not an earlier module"),
    (MODULE.format(number=1, name="a", needs="[]") + MILESTONE.format(needs='["zz"]'),
     "milestone m needs unknown module"),
])
def test_a_broken_curriculum_is_refused_with_the_reason(tmp_path, text, complaint):
    with pytest.raises(CurriculumError, match=complaint):
        load(write(tmp_path, text))


def test_paths_follow_the_layout(fake):
    module = fake.module("beta")
    assert fake.rel(fake.learner_file(module)) == "lab/tinytorch/beta.py"
    assert fake.rel(fake.reference_file(module)) == "tinytorch/beta.py"
    assert fake.rel(fake.guide(module)) == "lab/modules/02_beta/README.md"
    assert fake.rel(fake.script(fake.milestone("demo"))) == "milestones/01_1999_demo/demo.py"
