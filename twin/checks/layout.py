"""L checks: problems in the file itself, found by the source reader and the loader."""
from __future__ import annotations

from twin.checks import Check

_F = "layout"
CHECKS = (
    Check("L001", "yaml-invalid", "error", _F,
          "file is not valid YAML, not a mapping, over a size, node, depth or expansion "
          "limit, or uses a tag; or more findings than `--max-findings`"),
    Check("L002", "unknown-key", "error", _F, "unknown key (with the closest known key)"),
    Check("L003", "missing-field", "error", _F, "required field missing"),
    Check("L004", "bad-value", "error", _F,
          "wrong type, non-positive capacity, efficiency outside (0, 1], fraction outside "
          "[0, 1], NaN or infinity"),
    Check("L005", "duplicate", "error", _F, "duplicate id or duplicate key"),
    Check("L006", "unknown-reference", "error", _F,
          "reference to an id, hall or row that does not exist"),
    Check("L007", "unknown-kind", "error", _F, "unknown `kind` or unknown rack `type`"),
    Check("L008", "wrong-reference", "error", _F,
          "reference to the wrong sort of thing (a rack fed by a chiller, ...)"),
    Check("L009", "unsupported-version", "error", _F, "`twin` missing or not a supported version"),
    Check("L010", "include-failed", "error", _F,
          "an included file is missing, unreadable, not a regular file or outside the folders "
          "includes may read, or files include each other in a cycle"),
    Check("L011", "block-cycle", "error", _F,
          "a block instantiates itself, directly or through other blocks"),
)
