"""Benchmarks run by `make bench`; each prints its figures and a same-run baseline ratio."""
