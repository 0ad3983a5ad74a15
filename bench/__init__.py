"""Benchmarks for xunqin-locator, run together by `python -m bench.run_all` (not timed tests)."""
