"""Benchmarks: separate from the tests, run by hand, print markdown tables of measured numbers."""
