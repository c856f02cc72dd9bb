"""twin: an open, lightweight digital twin of AI factories (power, cooling, space)."""
from __future__ import annotations

from twin.api import Loaded, Overload, Report, WhatIf, load, load_bytes, validate, whatif
from twin.core import VERSION as __version__
from twin.core import Finding, UsageError

__all__ = ["Finding", "Loaded", "Overload", "Report", "UsageError", "WhatIf", "load",
           "load_bytes", "validate", "whatif", "__version__"]
