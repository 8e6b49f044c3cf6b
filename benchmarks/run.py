"""Measure the workloads and the whole-process figures, and report them as ratios to the NumPy floor.

In-process workloads run interleaved: each round times every implementation in turn, so a slow
moment of a shared machine hits all of them alike; the report gives the median over rounds.
Whole-process figures (import time, the perceptron milestone) come from subprocesses, with peak
memory from the operating system's accounting of each finished child.
"""

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .workloads import WORKLOADS, digits

ROOT = Path(__file__).resolve().parent.parent
IMPLEMENTATIONS = ("numpy", "tinytorch", "torch")


def optional_torch():
    """PyTorch pinned to one thread, or None when it is not installed."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    return torch


def blas_info():
    """The BLAS libraries NumPy uses and their thread counts (threadpoolctl), or a note that it is missing."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return [{"note": "threadpoolctl is not installed"}]
    return [{k: pool.get(k) for k in ("internal_api", "version", "num_threads", "filepath")}
            for pool in threadpool_info()]


def time_steps(step, steps):
    """Seconds per call of step(i), over `steps` calls."""
    start = time.perf_counter()
    for i in range(steps):
        step(i)
    return (time.perf_counter() - start) / steps


def measure_workloads(workloads, rounds, seconds_per_round, progress=print):
    """{workload name: {impl: median microseconds per step}}, interleaved over `rounds`."""
    import tinytorch

    torch = optional_torch()
    modules = {"tinytorch": tinytorch, "torch": torch}
    data = digits()
    results = {}
    for workload in workloads:
        impls = [i for i in IMPLEMENTATIONS if i == "numpy" or modules[i] is not None]
        steppers = {impl: workload.build(impl, modules.get(impl), data) for impl in impls}
        counts = {}
        for impl, step in steppers.items():  # warm up, and size the loop to the time budget
            counts[impl] = max(20, int(seconds_per_round / max(time_steps(step, 20), 1e-7)))
        samples = {impl: [] for impl in impls}
        for r in range(rounds):
            for impl, step in steppers.items():
                samples[impl].append(time_steps(step, counts[impl]) * 1e6)
            progress(f"  {workload.name:12s} round {r + 1}/{rounds}")
        results[workload.name] = {impl: statistics.median(s) for impl, s in samples.items()}
    return results


def run_process(command, env=None):
    """(wall seconds, peak resident memory in MiB) of one run of `command`; raises if it fails."""
    child = subprocess.run([sys.executable, "-m", "benchmarks.child", *command], env=env, cwd=ROOT,
                           capture_output=True, text=True, check=True)
    result = json.loads(child.stdout)
    if result["returncode"] != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {result['returncode']}:\n{result['stderr']}")
    return result["seconds"], result["peak_mib"]


def perceptron_script():
    """The perceptron milestone's script, as the curriculum names it."""
    from lab.curriculum import load

    curriculum = load(ROOT)
    return curriculum.script(curriculum.milestone("perceptron"))


def measure_processes(runs, progress=print):
    """Import time of tinytorch over NumPy's, and the milestone against its NumPy-only twin."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TINYTORCH_LAB", None)
    python = sys.executable
    pairs = {
        "import": ([python, "-c", "import numpy"], [python, "-c", "import numpy, tinytorch"]),
        "perceptron": ([python, "-m", "benchmarks.perceptron_numpy"], [python, str(perceptron_script()), "--json"]),
    }
    results = {}
    for name, (floor, ours) in pairs.items():
        samples = {"numpy": [], "tinytorch": []}
        for r in range(runs):  # interleaved, as the in-process workloads
            for impl, command in (("numpy", floor), ("tinytorch", ours)):
                samples[impl].append(run_process(command, env))
            progress(f"  {name:12s} run {r + 1}/{runs}")
        results[name] = {impl: {"seconds": statistics.median(s[0] for s in runs_),
                                "peak_mib": statistics.median(s[1] for s in runs_)}
                         for impl, runs_ in samples.items()}
    return results


def report(workloads, work, processes):
    """The table a person reads: microseconds per step and ratios to the floor, with the targets."""
    lines = [f"{'workload':14s}{'numpy us':>10s}{'tinytorch':>11s}{'ratio':>7s}{'target':>8s}"
             f"{'torch':>9s}{'ratio':>7s}"]
    for w in workloads:
        r = work[w.name]
        ours = r["tinytorch"] / r["numpy"]
        target = f"{w.target:.1f}x" if w.target else "-"
        torch_cells = f"{r['torch']:9.1f}{r['torch'] / r['numpy']:6.2f}x" if "torch" in r else f"{'-':>9s}{'-':>7s}"
        lines.append(f"{w.name:14s}{r['numpy']:10.1f}{r['tinytorch']:11.1f}{ours:6.2f}x{target:>8s}{torch_cells}")
    if "import" in processes:
        p = processes["import"]
        extra = (p["tinytorch"]["seconds"] - p["numpy"]["seconds"]) * 1000
        lines.append(f"\nimport tinytorch adds {extra:.0f} ms to `import numpy` "
                     f"({p['numpy']['seconds'] * 1000:.0f} ms); target < 50 ms")
    if "perceptron" in processes:
        p = processes["perceptron"]
        lines.append(f"perceptron milestone: {p['tinytorch']['seconds']:.2f} s whole process (target < 5 s); "
                     f"peak memory {p['tinytorch']['peak_mib']:.0f} MiB vs {p['numpy']['peak_mib']:.0f} MiB "
                     f"NumPy-only = {p['tinytorch']['peak_mib'] / p['numpy']['peak_mib']:.2f}x (target <= 1.3x)")
    return "\n".join(lines)


def environment():
    return {"python": platform.python_version(), "numpy": np.__version__, "machine": platform.machine(),
            "cpus": os.cpu_count(), "blas": blas_info()}


def main(rounds=5, seconds_per_round=0.4, process_runs=5, only=None, output=None, progress=print):
    """Run everything, print the table, write the JSON; return the results."""
    from threadpoolctl import threadpool_limits

    workloads = [w for w in WORKLOADS if not only or any(o in w.name for o in only)]
    env = environment()
    progress("BLAS: " + ", ".join(f"{b.get('internal_api')} {b.get('version')} ({b.get('num_threads')} threads)"
                                  for b in env["blas"]) + "; limited to 1 thread for the in-process workloads")
    with threadpool_limits(limits=1):  # PyTorch runs on one thread too: the same footing for all three
        work = measure_workloads(workloads, rounds, seconds_per_round, progress)
    processes = measure_processes(process_runs, progress) if process_runs else {}
    table = report(workloads, work, processes)
    print(table)
    results = {"environment": env, "microseconds_per_step": work, "processes": processes,
               "targets": {w.name: w.target for w in workloads if w.target}}
    output = Path(output) if output else ROOT / "benchmarks" / "results" / "latest.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nwrote {output}")
    return results
