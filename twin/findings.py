"""Findings: the immutable record every check, the loader and the runner produce."""
from __future__ import annotations

from dataclasses import dataclass, field

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True, slots=True)
class Finding:
    """One instance of a check failing, with where it was written (1-based line/column).

    ``scenario`` holds the failed ids in file order (empty in normal operation); ``racks``
    the racks affected (R001/R003); ``hint`` a suggested fix, already part of ``message``.
    """

    code: str
    severity: str
    message: str
    file: str
    line: int = 1
    column: int = 1
    component: str | None = None
    scenario: tuple[str, ...] = ()
    racks: tuple[str, ...] = ()
    name: str = ""
    data: tuple[tuple[str, object], ...] = field(default=(), compare=False)
    #: For a finding inside a block instance: the instantiations (twin.model.Via),
    #: outermost first; file/line/column then point into the block's definition.
    via: tuple = ()

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.code, self.component or "", self.scenario)

    def as_dict(self) -> dict:
        """Plain JSON-ready form."""
        out = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "component": self.component,
            "scenario": list(self.scenario),
            "file": self.file,
            "line": self.line,
            "column": self.column,
        }
        if self.racks:
            out["racks"] = list(self.racks)
        if self.data:
            out["data"] = dict(self.data)
        if self.via:
            out["via"] = [{"instance": v.instance, "block": v.block, "file": v.file,
                           "line": v.line, "column": v.column} for v in self.via]
        return out
