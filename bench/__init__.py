"""Benchmarks: `python -m bench` runs every `bench_*.py` module and prints one table."""
