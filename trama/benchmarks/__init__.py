"""Benchmarks: tooling that measures the product, kept beside the apps rather than inside them.

`manage.py bench_ledger` (the resource ledger on a synthetic national data set) and
`manage.py bench_submissions` (many proposals submitted to one call over HTTP).
"""
