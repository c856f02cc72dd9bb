"""The one exception base for usage problems (findings are data, never exceptions)."""
from __future__ import annotations


class UsageError(Exception):
    """A problem with how twin was called: unknown flag, missing file, bad option value."""
