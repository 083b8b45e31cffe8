"""Test tooling: target discovery, the pytest plugin, the avocado runner and the oracle."""
