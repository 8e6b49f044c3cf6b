"""Run a command and print its wall time, peak memory and exit status as JSON.

The benchmark starts every measured process through this small one: Linux counts the memory of
the process a child was forked from in the child's peak, so a child of the benchmark (which holds
the data, and PyTorch) would report the benchmark's size, not its own."""

import json
import os
import subprocess
import sys
import time

start = time.perf_counter()
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
_, status, usage = os.wait4(process.pid, 0)
seconds = time.perf_counter() - start
peak_kib = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)
print(json.dumps({"seconds": seconds, "peak_mib": peak_kib / 1024, "returncode": os.waitstatus_to_exitcode(status),
                  "stderr": process.stderr.read().decode(errors="replace")[-2000:]}))
