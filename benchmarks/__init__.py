"""Benchmarks: scripts that print figures and ratios, never tests.

Run one by name: ``python -m benchmarks scheduler`` (or ``tox -e bench --
scheduler``). Each compares svc-launch against a floor measured in the same
run on the same machine, because shared machines are noisy.
"""
