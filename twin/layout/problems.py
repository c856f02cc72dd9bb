"""A problem found reading or loading a layout, and the findings cap of one file."""
from __future__ import annotations

from dataclasses import dataclass

#: Findings listed per layout file; one more finding (L001) counts the rest. A file of a
#: million unknown keys would otherwise print a million findings (an 805 MB SARIF file);
#: a real 1 GW campus with one wrong block prints about 1,600.
MAX_FINDINGS = 10_000


@dataclass(frozen=True, slots=True)
class Problem:
    """A problem found while reading or loading: code, message, position, component.

    ``file`` is set when the problem is in another file than the layout's own (an
    included file or a block defined there); ``via`` is the instantiation chain.
    """

    code: str
    message: str
    line: int = 1
    column: int = 1
    key: str | None = None
    file: str | None = None
    via: tuple = ()


class Problems(list):
    """The problems of one file, at most ``cap`` of them kept: those that sort first.

    A list (so it compares, iterates and unpacks as one), of which only ``append`` and
    ``extend`` are used to add. ``total`` counts every problem added, the dropped ones
    included, so memory stays bounded however many problems a hostile file makes; the
    caller lists the first ``cap`` and reports the rest as one finding. Problems sort as
    findings do: file (``file`` for the layout's own), line, column, code, component.
    Below twice the cap nothing is dropped and the order is the order of adding.
    """

    __slots__ = ("cap", "file", "total", "_cut")

    def __init__(self, cap: int = MAX_FINDINGS, file: str = ""):
        super().__init__()
        self.cap, self.file, self.total = cap, file, 0
        self._cut: tuple | None = None  # the last kept key once the list has been trimmed

    def key(self, p: Problem) -> tuple:
        return (p.file or self.file, p.line, p.column, p.code, p.key or "")

    def drops(self, code: str, at, component: str | None = None) -> bool:
        """True (and counted) when a problem of ``code`` at ``at`` would be dropped: the
        caller can then skip building its message."""
        if self._cut is None:
            return False
        key = (getattr(at, "file", None) or self.file, at.line, at.column, code,
               component or "")
        if key > self._cut:
            self.total += 1
            return True
        return False

    def append(self, p: Problem) -> None:
        self.total += 1
        if self._cut is not None and self.key(p) > self._cut:
            return
        super().append(p)
        if len(self) >= 2 * self.cap + 1:
            self.sort(key=self.key)
            del self[self.cap + 1:]  # one past the cap: where the count of the rest points
            self._cut = self.key(self[-1])

    def extend(self, problems) -> None:
        for p in problems:
            self.append(p)
