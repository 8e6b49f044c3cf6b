"""python -m benchmarks [--rounds N] [--only NAME ...] [--no-processes] [--output FILE]"""

import argparse

from .run import main

parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.split("\n")[0])
parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per workload (median taken)")
parser.add_argument("--seconds", type=float, default=0.4, help="time budget per implementation per round")
parser.add_argument("--process-runs", type=int, default=5,
                    help="runs of each whole-process measurement (import, milestone); 0 skips them")
parser.add_argument("--only", nargs="*", help="run only workloads whose name contains one of these words")
parser.add_argument("--output", help="where to write the JSON (default benchmarks/results/latest.json)")
args = parser.parse_args()
main(args.rounds, args.seconds, args.process_runs, args.only, args.output)
