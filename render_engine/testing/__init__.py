"""Fixtures the tests, the benchmarks and the example scripts share (like ``numpy.testing``): nothing in the
engine imports this package.

Where things happen:

- :mod:`.synth` — procedural, deterministic photos and clip-art (the bundled example assets, benchmark inputs
  and test fixtures are made with it; no downloads).
- :mod:`.farm` — the render-farm job designs, a small photo, and the Redis key cleanup of a test or benchmark run.
"""
