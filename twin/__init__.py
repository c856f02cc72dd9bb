"""twin: an open, lightweight digital twin of AI factories (power, cooling, space)."""
from __future__ import annotations

import sys

from twin.api import Loaded, Overload, Report, WhatIf, load, load_bytes, validate, whatif
from twin.core import VERSION as __version__
from twin.core import Finding, UsageError
from twin.layout import source
from twin.layout.source import Limits

# ``twin.source`` is where the reader lived before the package had stage folders (the
# README of 0.1.0 shows ``twin.source.Limits``): the old name still works.
sys.modules.setdefault("twin.source", source)

__all__ = ["Finding", "Limits", "Loaded", "Overload", "Report", "UsageError", "WhatIf", "load",
           "load_bytes", "validate", "whatif", "__version__"]
