"""twin: an open, lightweight digital twin of AI factories (power, cooling, space)."""
from __future__ import annotations

from twin.api import Loaded, Overload, Report, WhatIf, load, load_bytes, validate, whatif
from twin.core import UsageError
from twin.core import Finding

__version__ = "0.1.0"
__all__ = ["Finding", "Loaded", "Overload", "Report", "UsageError", "WhatIf", "load",
           "load_bytes", "validate", "whatif", "__version__"]
