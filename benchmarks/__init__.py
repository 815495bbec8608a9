"""render-bench: the benchmark CLI for batch renders (see benchmarks/README.md)."""
