"""Benchmarks: tinytorch against a hand-written NumPy floor (and PyTorch when installed).

Run `invoke bench` or `python -m benchmarks --help`. Timings live here, never in tests.
"""
