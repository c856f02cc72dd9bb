"""The public Python API keeps its names across the move into stage folders."""
from __future__ import annotations

import subprocess
import sys

import twin


def test_the_names_the_readme_shows_are_there():
    for name in ("load", "load_bytes", "validate", "whatif", "tier", "Loaded", "Report",
                 "WhatIf", "TierReport", "Overload", "Finding", "UsageError", "Limits",
                 "__version__"):
        assert hasattr(twin, name), name


def test_twin_source_limits_still_works_in_a_fresh_interpreter():
    code = ("import twin.source as s, twin; "
            "assert s.Limits is twin.Limits; print(s.Limits(max_bytes=7).max_bytes)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "7"
