"""The TinyTorch Lab tooling: curriculum, scaffolds, the overlay, test runs, status and doctor.

Everything here is plain Python, importable without invoke or pytest; tasks.py is a thin
command-line layer over it.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class LabError(Exception):
    """A failure the learner can act on; the message says what went wrong and what to do."""

    exit_code = 1


class UsageError(LabError):
    """Bad input on the command line (an unknown module, a module not started, ...)."""

    exit_code = 2
