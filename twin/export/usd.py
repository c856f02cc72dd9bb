"""OpenUSD export: a SimReady AI Factory package per equipment type and a scene in metres.

Needs Pixar's ``usd-core`` (``pip install twin[usd]``). The package layout, attribute
names and the position rule are documented in docs/usd.md.
"""
from __future__ import annotations

import datetime
import os

from twin.core import write_atomic
from twin.export.folder import building
from twin.export.usd_packages import (
    AISLE_M, RACK_PITCH_M, packages, prim_name, pxr, require_usd, write_package,
)
from twin.export.usd_scene import rack_positions, write_scene
from twin.layout.model import Layout

__all__ = ["AISLE_M", "RACK_PITCH_M", "export_usd", "packages", "prim_name", "rack_positions",
           "require_usd"]

def export_usd(outdir: str, layout: Layout, *, findings=(), headroom=(), kpis=None,
               today: str | None = None, max_mode: int | None = None,
               protect=()) -> list[str]:
    """Write the packages and ``scene.usda`` into ``outdir``: built in a temporary folder
    beside it, then moved in by :func:`twin.export.folder.building` (which refuses a
    folder holding files twin did not write). Returns the package root files (relative).
    """
    pxr()
    today = today or datetime.date.today().isoformat()
    source = os.path.basename(layout.file)
    with building(outdir, kind="usd", flag="--usd", layout=source, max_mode=max_mode,
                  protect=protect) as temp:
        pkgs, of = packages(layout)
        roots = [os.path.relpath(write_package(p, temp, source=source, today=today), temp)
                 for p in pkgs]
        write_scene(os.path.join(temp, "scene.usda"), layout, of, findings=findings,
                    headroom=headroom, kpis=kpis)
        write_atomic(os.path.join(temp, "packages.txt"), "".join(f"{r}\n" for r in roots))
    return roots
