"""Benchmarks for Attache: each figure is a ratio against a baseline measured in the same run.

Run ``python -m bench`` (or ``make bench``); ``--quick`` for a small, fast pass. Absolute
numbers depend on the machine and on whatever else it is doing; the ratios compare two
things measured side by side, repetition by repetition, so they are what to read.
Speed is measured here and only here: the tests never assert a timing. RESULTS.md holds
the last run's table; FINDINGS.md says why the figures that miss their goal miss it.
"""
