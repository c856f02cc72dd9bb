"""SARIF 2.1.0 reporter: findings as code-scanning results that annotate the YAML line.

One run, tool ``twin`` with a rule per check of the registry (id = the code, name = the
kebab name). Each finding becomes a result with an explicit level, its message, the file
as a path relative to a root (``uriBaseId`` ``%SRCROOT%``, defined in the run's
``originalUriBaseIds``; the root is the current directory unless given) and the line and
column of what to change; its component, scenario and racks are result properties. A
finding inside a block instance adds the instantiating lines as ``relatedLocations``, and
an R001 or R003 finding the feed entries where the racks' paths meet at the failure. The
defaults each verdict rests on are in the run's ``properties.assumptions``.
Only ``validation`` is offered; other commands reject the format.
"""
from __future__ import annotations

import hashlib
import json
import os
import urllib.parse
from pathlib import Path

from twin.checks import registry
from twin.reporters.json_reporter import json_safe

SCHEMA_URI = ("https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/"
              "sarif-schema-2.1.0.json")
#: twin severity -> SARIF level
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
SRCROOT = "%SRCROOT%"


def artifact_location(file: str, root: str | None = None) -> dict:
    """``{"uri", "uriBaseId"}`` relative to ``root`` (default: the current directory).

    A file outside the root gets an absolute ``file:`` URI and no base id.
    """
    path = os.path.abspath(file)
    try:
        rel = os.path.relpath(path, os.path.abspath(root or os.getcwd()))
    except ValueError:  # another drive
        rel = None
    if rel is None or rel == os.pardir or rel.startswith(os.pardir + os.sep):
        return {"uri": Path(path).as_uri()}
    return {"uri": urllib.parse.quote(rel.replace(os.sep, "/")), "uriBaseId": SRCROOT}


def root_uri(root: str | None = None) -> str:
    """The root as an absolute ``file:`` URI ending in ``/`` (SARIF 3.14.14)."""
    uri = Path(os.path.abspath(root or os.getcwd())).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _physical(file: str, line: int, column: int, root: str | None) -> dict:
    return {"artifactLocation": artifact_location(file, root),
            "region": {"startLine": max(1, line), "startColumn": max(1, column)}}


def _fingerprint(f) -> str:
    """Stable across edits that only move lines: code, component and scenario."""
    key = "\0".join((f.code, f.component or f"@{f.line}", *f.scenario))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _result(f, rule_index: dict[str, int], root: str | None) -> dict:
    out = {
        "ruleId": f.code,
        "level": LEVELS.get(f.severity, "warning"),
        "message": {"text": f.message},
        "locations": [{"physicalLocation": _physical(f.file, f.line, f.column, root)}],
        "partialFingerprints": {"twinFinding/v1": _fingerprint(f)},
        "properties": {"component": f.component, "scenario": list(f.scenario),
                       "racks": list(f.racks)},
    }
    if f.code in rule_index:
        out["ruleIndex"] = rule_index[f.code]
    if f.data:
        out["properties"]["data"] = dict(f.data)
    related = [{"physicalLocation": _physical(v.file, v.line, v.column, root),
                "message": {"text": f"{v.instance} (block {v.block}) instantiated here"}}
               for v in f.via]
    related += [{"physicalLocation": _physical(r.file, r.line, r.column, root),
                 "message": {"text": r.message}} for r in f.related]
    if related:
        out["relatedLocations"] = [{"id": i, **loc} for i, loc in enumerate(related)]
    if f.related_more:
        out["properties"]["relatedMore"] = f.related_more
    return out


def log(reports, *, root: str | None = None) -> dict:
    """The SARIF log of some validation reports, as a plain dict.

    ``root``: the directory paths are relative to (default: the current directory).
    """
    from twin.core import VERSION as __version__

    checks = list(registry().values())
    rules = [{"id": c.code, "name": c.name, "shortDescription": {"text": c.summary},
              "help": {"text": f"{c.code} {c.name} ({c.family}, {c.severity}): {c.summary}. "
                       "The layout format reference (docs/format.md, Checks) says where "
                       "each finding points and how its limit is computed."},
              "defaultConfiguration": {"level": LEVELS.get(c.severity, "warning")},
              "properties": {"tags": [c.family]}} for c in checks]
    rule_index = {c.code: i for i, c in enumerate(checks)}
    results = [_result(f, rule_index, root) for r in reports for f in r.findings]
    # The defaults each verdict rests on are about the layouts, not about twin's own run
    # (what SARIF's notifications describe, 3.58.1), and no problem was found (no result):
    # they go in the run's property bag (3.8), each with the layout it belongs to.
    assumptions = [{"layout": r.file, **a.as_dict(),
                    "location": {"physicalLocation": _physical(a.file, a.line, a.column, root)}}
                   for r in reports for a in getattr(r, "assumptions", ())]
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "twin", "version": __version__, "rules": rules}},
            "originalUriBaseIds": {SRCROOT: {"uri": root_uri(root)}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": {"assumptions": assumptions},
        }],
    }


def validation(reports, *, root: str | None = None) -> tuple[str, str]:
    """The SARIF log on stdout; the text summary per layout on stderr (for CI logs)."""
    from twin.reporters.text_reporter import validation as text_validation

    _, summary = text_validation(reports)
    return json.dumps(json_safe(log(reports, root=root)), indent=2, allow_nan=False) + "\n", summary
