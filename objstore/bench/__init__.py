"""Benchmarks: ``objstore bench``, ``objstore compare`` and ``objstore report``."""
