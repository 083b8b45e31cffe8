"""pytest configuration: the project's own suite uses the objstore pytest plugin."""
