"""Benchmarks against real server processes (see bench/README.md)."""
