"""TinyTorch Lab tasks. `invoke --list` shows them; `invoke --help TASK` shows a task's options.

Each task parses its options, calls the lab package (lab/) and exits honestly: 0 done,
1 something failed, 2 bad input (an unknown module or milestone, a module not started, options
pytest refuses); `milestone` and `bench` exit with their script's status.
Modules are given as 06, 6 or optimizers.
"""
import functools
import shlex

from invoke import Exit, task

from lab import LabError, UsageError, curriculum, runner
from lab import doctor as lab_doctor
from lab import milestones as lab_milestones
from lab import scaffold as lab_scaffold
from lab import status as lab_status

MODULE_HELP = "the module: its number (06 or 6) or its name (optimizers); `invoke status` lists them"


def _honest(body):
    """Turn the lab's errors into a message on stderr and their exit status."""

    @functools.wraps(body)
    def wrapper(c, *args, **kwargs):
        try:
            return body(c, *args, **kwargs)
        except LabError as err:
            raise Exit(f"error: {err}", code=err.exit_code) from None

    return wrapper


def _module(cur, key):
    if key is None:
        raise UsageError("say which module with --module; valid modules:\n" + cur.module_listing())
    return cur.module(key)


@task(help={"json": "print the checks as JSON instead of a table"})
@_honest
def doctor(c, json_=False):
    """Check that this environment is fit for the lab.

    Each check prints ok, warn or fail, with a fix; any fail makes the exit status 1.
    """
    results = lab_doctor.run(curriculum.load())
    print(lab_doctor.as_json(results) if json_ else lab_doctor.render(results))
    if lab_doctor.failed(results):
        raise Exit(code=1)


def _announce(cur, module, written):
    if written.backup:
        print(f"Your previous file is saved as {cur.rel(written.backup)}")
    names = [block.function for block in written.blocks]
    print(f"Wrote {cur.rel(written.path)}: {len(names)} parts for you to write: {', '.join(names)}")
    notes = lab_status.not_passing(cur, module)
    if notes:
        print("warn: earlier modules are not all yours and passing yet:\n" + "\n".join(f"  {n}" for n in notes))
    print(f"Guide: {cur.rel(cur.guide(module))}")
    print(f"Next:  invoke test --module {module.number:02d}   (its tests fail until you write them)")


@task(help={"module": MODULE_HELP,
            "force": "replace your file anyway, after saving a timestamped copy in lab/backups/"})
@_honest
def scaffold(c, module=None, force=False):
    """Start a module: write lab/tinytorch/<file> with stubs to fill."""
    cur = curriculum.load()
    chosen = _module(cur, module)
    _announce(cur, chosen, lab_scaffold.write_scaffold(cur, chosen, force=force))


@task(help={"module": MODULE_HELP})
@_honest
def reset(c, module=None):
    """Start a module afresh, saving your file in lab/backups/ first."""
    cur = curriculum.load()
    chosen = _module(cur, module)
    if not cur.started(chosen):
        print(f"{chosen.label} was not started: nothing to back up")
    _announce(cur, chosen, lab_scaffold.write_scaffold(cur, chosen, force=True))


@task(help={
    "module": MODULE_HELP + "; without it, every module you have started",
    "reference": "test the reference instead of your code (without --module: every module)",
    "verbose": "show pytest's own output too",
})
@_honest
def test(c, module=None, reference=False, verbose=False):
    """Test your modules (or the reference): what to fix, and where.

    pytest options go after --, e.g. invoke test --module 01 -- -x -k add
    """
    cur = curriculum.load()
    chosen = runner.modules_to_test(cur, module, reference)
    lab_folder = None if reference else cur.lab_package
    report = runner.run_tests(cur, chosen, lab_folder, shlex.split(c.remainder), show_output=verbose)
    print(runner.summary(cur, report, lab=not reference))
    if not report.ok:
        raise Exit(code=1)


@task
@_honest
def status(c):
    """Show your modules, their tests, and the milestones unlocked."""
    cur = curriculum.load()
    print(lab_status.render(cur, lab_status.results(cur, list(cur.modules))))


@task
@_honest
def milestones(c):
    """List the milestones and how many of their modules you started."""
    print(lab_milestones.listing(curriculum.load()))


@task(
    positional=["name"],
    help={
        "name": "the milestone: its name (perceptron) or number (1); `invoke milestones` lists them",
        "json": "passed to the milestone: print its results as JSON",
        "seed": "passed to the milestone: the random seed",
        "epochs": "passed to the milestone: how many epochs to train",
        "lr": "passed to the milestone: the learning rate",
    },
)
@_honest
def milestone(c, name, json_=False, seed=None, epochs=None, lr=None):
    """Run a milestone on your code; the reference fills in the rest.

    Options the milestone knows that are not listed here go after --.
    """
    cur = curriculum.load()
    chosen = cur.milestone(name)
    options = {"--seed": seed, "--epochs": epochs, "--lr": lr}
    args = (["--json"] if json_ else []) + [f"{flag}={value}" for flag, value in options.items()
                                            if value is not None]
    code = lab_milestones.run(cur, chosen, args + shlex.split(c.remainder))
    if code:
        raise Exit(code=code)


@task
@_honest
def check(c):
    """Run every test on the reference (pytest options after --).

    The whole suite, tests/ and lab/modules/; collecting no test at all is a failure.
    """
    code = runner.check(curriculum.load(), shlex.split(c.remainder))
    if code:
        raise Exit(code=code)


@task
@_honest
def bench(c):
    """Time the engine: python -m benchmarks (its options after --)."""
    code = runner.bench(curriculum.load(), shlex.split(c.remainder))
    if code:
        raise Exit(code=code)
