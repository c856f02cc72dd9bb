"""twin: an open, lightweight digital twin of AI factories (power, cooling, space).

The API's names (``twin.load``, ``twin.validate``, ``twin.whatif``, ...) are imported
on first use, so ``twin --help`` does not load the physics to print a usage text.
"""
from __future__ import annotations

import sys

from twin.core import VERSION as __version__
from twin.core import Finding, UsageError
from twin.layout import source
from twin.layout.source import Limits

# ``twin.source`` is where the reader lived before the package had stage folders (the
# README of 0.1.0 shows ``twin.source.Limits``): the old name still works.
sys.modules.setdefault("twin.source", source)

_API = ("Loaded", "Overload", "Report", "TierReport", "WhatIf", "load", "load_bytes", "tier",
        "validate", "whatif")

__all__ = ["Finding", "Limits", "Loaded", "Overload", "Report", "TierReport", "UsageError",
           "WhatIf", "load", "load_bytes", "tier", "validate", "whatif", "__version__"]


def __getattr__(name: str):
    if name in _API:
        from twin import api

        return getattr(api, name)
    raise AttributeError(f"module 'twin' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_API})
