"""The module guides, lab/modules/<NN>_<name>/README.md: one per module of lab/curriculum.toml.

Each opens with the module's title and summary and the learner's loop, has the three parts Build,
Use and Understand, and its Build part names every function the learner writes (each function
holding a solution block in the reference file, by the name the scaffold's stub gives it), in the
order of the file. Its Python snippets compile, and the exercise of Use runs on the reference.
"""

import os
import re
import subprocess
import sys

import pytest

from lab.curriculum import load
from lab.scaffold import find_blocks

CURRICULUM = load()  # lab/curriculum.toml, read with tomllib: the one list of modules
PARTS = ("Build", "Use", "Understand")


def _guide(module):
    path = CURRICULUM.guide(module)
    assert path.is_file(), f"{module.label} has no guide: write {CURRICULUM.rel(path)}"
    return path.read_text(encoding="utf-8")


def _parts(module):
    """{part: its text} of the module's guide, a part running from its first `## <part>` heading
    (`## Build: the engine` counts as Build) to the next part's."""
    text = _guide(module)
    starts = {}
    for match in re.finditer(r"^## (\w+)", text, re.MULTILINE):
        starts.setdefault(match.group(1), match.start())
    missing = [p for p in PARTS if p not in starts]
    assert not missing, f"{module.label}: the guide has no part {', '.join('## ' + p for p in missing)}"
    order = sorted((starts[p], p) for p in PARTS)
    ends = [start for start, _ in order[1:]] + [len(text)]
    return {part: text[start:end] for (start, part), end in zip(order, ends, strict=True)}


def _snippets(text):
    return re.findall(r"^```python\n(.*?)^```", text, re.MULTILINE | re.DOTALL)


def _named_in_code(text):
    """The names that inline code spans start with, in order of first appearance: `Tensor.__add__`,
    `relu(g, x)` and `SGD.step` name Tensor.__add__, relu and SGD.step. Fenced blocks are skipped."""
    prose = re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)
    names = []
    for span in re.findall(r"`([^`\n]+)`", prose):
        match = re.match(r"[A-Za-z_][\w.]*", span)
        if match and match.group() not in names:
            names.append(match.group())
    return names


modules = pytest.mark.parametrize("module", CURRICULUM.modules, ids=lambda m: m.slug)


@modules
def test_guide_opens_with_title_summary_and_the_loop(module):
    text = _guide(module)
    first = text.splitlines()[0]
    assert first.startswith("# ") and f"{module.number:02d}" in first, (
        f"{module.label}: the guide's first line should be a title naming the module number: {first!r}")
    for words in (module.title, module.summary):
        assert words in first, f"{module.label}: the guide's first line should hold {words!r}: {first!r}"
    head = text.split("\n## ", 1)[0]
    for command in (f"invoke scaffold --module {module.number:02d}", f"invoke test --module {module.number:02d}",
                    "invoke status"):
        assert f"`{command}`" in head, f"{module.label}: the guide's opening should give the command `{command}`"


@modules
def test_guide_has_build_use_understand_in_order(module):
    text = _guide(module)
    headings = [p for p in re.findall(r"^## (\w+)", text, re.MULTILINE) if p in PARTS]
    assert list(dict.fromkeys(headings)) == list(PARTS), (
        f"{module.label}: the guide's parts should be ## Build, ## Use, ## Understand in that order; "
        f"found {headings}")


@modules
def test_use_and_understand_have_snippets_to_run(module):
    parts = _parts(module)
    assert _snippets(parts["Use"]), f"{module.label}: Use should give an exercise as a ```python snippet"
    questions = re.findall(r"^\*\*\d+\. ", parts["Understand"], re.MULTILINE)
    assert 2 <= len(questions) <= 4, (
        f"{module.label}: Understand should ask 2 to 4 numbered questions (**1. ...**), found {len(questions)}")
    assert len(_snippets(parts["Understand"])) >= len(questions), (
        f"{module.label}: each question of Understand needs a ```python snippet that measures its answer")


@modules
def test_snippets_compile(module):
    parts = _parts(module)
    for part in ("Use", "Understand"):
        for number, snippet in enumerate(_snippets(parts[part]), start=1):
            try:
                compile(snippet, f"{module.slug} guide, {part} snippet {number}", "exec")
            except SyntaxError as err:
                pytest.fail(f"{module.label}: {part} snippet {number} of the guide does not compile: {err}")


@modules
def test_use_snippets_run_on_the_reference(module, tmp_path):
    """The exercise runs, here on the reference engine (in a scratch folder, so nothing lands in the checkout)."""
    env = {key: value for key, value in os.environ.items() if key != "TINYTORCH_LAB"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CURRICULUM.root), env.get("PYTHONPATH")]))
    for number, snippet in enumerate(_snippets(_parts(module)["Use"]), start=1):
        run = subprocess.run([sys.executable, "-c", snippet], cwd=tmp_path, env=env,
                             capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, (
            f"{module.label}: Use snippet {number} of the guide fails on the reference engine:\n{run.stderr}")


@modules
def test_build_names_every_solution_block_in_file_order(module):
    reference = CURRICULUM.reference_file(module)
    blocks = find_blocks(reference.read_text(encoding="utf-8"))
    wanted = list(dict.fromkeys(block.function for block in blocks))
    assert wanted, (f"{CURRICULUM.rel(reference)} has no solution blocks: "
                    f"{module.label} gives the learner nothing to write")
    named = _named_in_code(_parts(module)["Build"])
    missing = [name for name in wanted if name not in named]
    assert not missing, (
        f"{module.label}: the guide's Build part should name, in inline code, every function the learner "
        f"writes; missing: {missing}")
    order = [name for name in named if name in wanted]
    assert order == wanted, (
        f"{module.label}: Build should take the functions in the order of {CURRICULUM.rel(reference)}: "
        f"{wanted}; it first names them in the order {order}")
