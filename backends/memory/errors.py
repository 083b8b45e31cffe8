"""The memory backend raises taxonomy errors directly; its table only adds context."""

from objstore.errors import ErrorTable

ERRORS = ErrorTable(backend="memory")
