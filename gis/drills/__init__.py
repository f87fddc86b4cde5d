"""Drills shared by the test suite and the benchmarks: simulated phones and a Trygg server on
loopback (`phones`), and reaping a PostgreSQL killed on purpose (`reaper`).

`tests` and `bench` import each other never; what both need lives here (the import-linter
contract in pyproject.toml keeps it so).
"""
