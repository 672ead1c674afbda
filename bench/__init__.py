"""Benchmarks and load scripts of the portal (see bench/README.md)."""
