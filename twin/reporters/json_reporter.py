"""JSON reporter: one object per run, as SPEC section 10 shapes it."""
from __future__ import annotations

import json
import math


def json_safe(value):
    """JSON has no NaN or infinity: such a value becomes null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def _dump(obj) -> str:
    return json.dumps(json_safe(obj), indent=2, allow_nan=False) + "\n"


def validation(reports) -> tuple[str, str]:
    """``{"layouts": [{"file", "ok", "findings", "kpis", ...}]}`` on stdout, nothing on stderr."""
    return _dump({"layouts": [r.as_dict() for r in reports]}), ""


def whatif(w) -> str:
    return _dump(w.as_dict())


def catalog(types) -> str:
    """``{"rack_types": [...]}``: every field of each type, ``sources`` citing each one as
    ``{field: {"tag", "citation"}}`` (the tags and ids of docs/sources.md)."""
    from twin.layout.model import RACK_TYPE_FIELDS

    out = []
    for t in types:
        entry = {"name": t.name, **{f: getattr(t, f) for f in RACK_TYPE_FIELDS},
                 "description": t.description, "status": t.status, "source": t.source}
        entry["sources"] = {f: {"tag": tag, "citation": cite} for f, tag, cite in t.sources}
        out.append(entry)
    return _dump({"rack_types": out})


def catalog_import(racks, notes) -> tuple[str, str]:
    """``twin catalog import``: ``{"rack_types": {name: keys}, "notes": [...]}``."""
    from twin.layout.catalog import snippet_fields

    return _dump({"rack_types": {r.name: snippet_fields(r) for r in racks},
                  "notes": [n.as_dict() for n in notes]}), ""


def capacity(c) -> str:
    return _dump(c.as_dict())


def headroom(h, tier=None) -> str:
    """``twin report``: the headroom object, with ``tier`` (``twin tier``'s object for the
    layout) when given."""
    return _dump({**h.as_dict(), **({"tier": tier.as_dict()} if tier is not None else {})})


def simulation(sim) -> str:
    """``twin simulate``: one object with the annual figures (see docs/simulate.md)."""
    return _dump(sim.as_dict())


def tier(reports) -> str:
    """``twin tier``: ``{"layouts": [{"file", "tier", "name", "tia_942", "en_50600",
    "next_tier", "unmet", "findings"}]}``, ``unmet`` being the next tier up's."""
    return _dump({"layouts": [r.as_dict() for r in reports]})


def diff(d) -> str:
    """``twin diff``: ``{"old", "new", "adds_error", "added", "removed", "kpis", "margins"}``."""
    return _dump(d.as_dict())
