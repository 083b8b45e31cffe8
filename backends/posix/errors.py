"""posix errors are OSError errno values: the shared errno table applies as it is."""

from objstore.errors import ErrorTable

ERRORS = ErrorTable(backend="posix")
