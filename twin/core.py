"""The few shared records and helpers: the version, findings, usage errors, atomic writes.

Every writer of twin shares the rules of :func:`write_atomic` and its neighbours: a
symbolic link at the destination is refused, an output that is one of the inputs is
refused, and what twin writes is never more readable than the layout it was made from
(docs/robustness.md).
"""
from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
import os
import stat
import tempfile


#: twin's version, as the package metadata and the reporters (SARIF, HTML) give it.
VERSION = "0.1.0"

def did_you_mean(word: str, known, *, preferred=None, votes=None) -> str:
    """`` (did you mean 'x'?)`` for the closest known word, or an empty string.

    Candidates are the known words difflib finds close (ratio 0.6 or more) and those that
    read the same as ``word`` once look-alike characters are folded (:data:`LOOK_ALIKE`).
    They are ranked by: first the ``preferred`` ones (the kind the field takes), then the
    typing cost (:func:`typo_cost`: a look-alike substitution costs a quarter of any other
    edit), then ``votes`` (from the entries around the reference; more is better), then
    difflib's ratio. Candidates that tie on all of these are all named, in ``known``'s
    order ("did you mean 'a' or 'b'?"), three at most and then a count of the others.
    """
    names = list(dict.fromkeys(known))
    if not names or len(word) > 256:
        return ""
    close = _close(word, names)
    if not close:
        return ""
    if preferred is not None:
        preferred = set(preferred)
        close = [c for c in close if c[0] in preferred] or close
    votes = votes or {}
    # the cheapest first: a candidate costlier than the best so far is dropped half-way
    bound, costs = math.inf, []
    for order, (name, ratio) in sorted(enumerate(close), key=lambda t: -t[1][1]):
        cost = typo_cost(word, name, bound)
        if cost <= bound:
            bound = cost
            costs.append(((cost, -votes.get(name, 0), -round(ratio, 9)), order, name))
    ranked = sorted(c for c in costs if c[0][0] == bound)
    best = ranked[0][0]
    tied = [name for key, _, name in ranked if key == best]
    if len(tied) == 1:
        return f" (did you mean {tied[0]!r}?)"
    shown = [repr(name) for name in tied[:3]]
    if len(tied) > 3:
        rest = len(tied) - 3
        return f" (did you mean {', '.join(shown)} or {rest} other{'s' if rest > 1 else ''}?)"
    return f" (did you mean {', '.join(shown[:-1])} or {shown[-1]}?)"


#: Characters easily read (or typed) for one another: substituting one for another of its
#: group costs a quarter of an edit, so ``pdu-bl`` is closer to ``pdu-b1`` than ``pdu-b4``.
LOOK_ALIKE = ("l1Ii|", "O0oQD", "S5s", "B8", "Z2z", "G6", "b6", "g9q", "uv", "-_.")
#: Letter pairs read as one letter (``rn`` for ``m``): also a quarter of an edit.
LOOK_ALIKE_PAIRS = (("rn", "m"), ("vv", "w"), ("cl", "d"))
_PAIR_OF = {one: pair for pair, one in LOOK_ALIKE_PAIRS}
_ONE = frozenset(_PAIR_OF)
_LOOK = {(a, b) for group in LOOK_ALIKE for a in group for b in group if a != b}
_FOLD = str.maketrans({c: group[0].lower() for group in LOOK_ALIKE for c in group.lower()})


def _folded(word: str) -> str:
    out = word.lower()
    for pair, one in LOOK_ALIKE_PAIRS:
        out = out.replace(pair, one)
    return out.translate(_FOLD)


def _close(word: str, names: list[str]) -> list[tuple[str, float]]:
    """(name, difflib ratio) of the names close to ``word``: ratio 0.6 or more, or the same
    once look-alikes are folded. The quick ratios filter first, as in difflib."""
    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(word)
    folded = _folded(word)
    out = []
    for name in names:
        matcher.set_seq1(name)
        ratio = (matcher.ratio() if matcher.real_quick_ratio() >= 0.6
                 and matcher.quick_ratio() >= 0.6 else 0.0)
        if ratio >= 0.6 or _folded(name) == folded:
            out.append((name, ratio or matcher.ratio()))
    return out


def typo_cost(typed: str, name: str, bound: float = math.inf) -> float:
    """The cheapest edits from ``name`` to ``typed``: an insertion, deletion, substitution or
    swap of neighbours costs 1, a look-alike substitution (``l``/``1``, ``O``/``0``, ``rn``/``m``,
    :data:`LOOK_ALIKE`) 0.25 and a change of case alone 0.5. A cost over ``bound`` may be
    given as infinity: the computation stops once it is sure to exceed it."""
    n, m = len(typed), len(name)
    # every edit that changes the length costs 0.25 at least: cells further than ``band``
    # from the diagonal cost more than ``bound``
    band = m + n if bound == math.inf else int(bound / 0.25)
    if abs(n - m) > band:
        return math.inf
    inf = math.inf
    d = [[float(j) if j <= band else inf for j in range(m + 1)]]
    for i in range(1, n + 1):
        row = [float(i) if i <= band else inf] + [inf] * m
        a = typed[i - 1]
        up = d[i - 1]
        for j in range(max(1, i - band), min(m, i + band) + 1):
            b = name[j - 1]
            if a == b:
                sub = 0.0
            elif (a, b) in _LOOK:
                sub = 0.25
            elif a.lower() == b.lower():
                sub = 0.5
            else:
                sub = 1.0
            best = min(up[j] + 1.0, row[j - 1] + 1.0, up[j - 1] + sub)
            if i > 1 and j > 1 and a == name[j - 2] and typed[i - 2] == b:
                best = min(best, d[i - 2][j - 2] + 1.0)
            if i > 1 and b in _ONE and _PAIR_OF[b] == typed[i - 2:i]:
                best = min(best, d[i - 2][j - 1] + 0.25)
            if j > 1 and a in _ONE and _PAIR_OF[a] == name[j - 2:j]:
                best = min(best, up[j - 2] + 0.25)
            row[j] = best
        d.append(row)
        if min(row) > bound and min(up) > bound:  # every path from here costs more
            return inf
    return d[n][m]


# --- Findings ------------------------------------------------------------

SEVERITIES = ("error", "warning", "info")


#: Related locations a finding lists at most; the rest are counted (``related_more``).
MAX_RELATED = 10


@dataclass(frozen=True, slots=True)
class Related:
    """A place that explains a finding (a feed entry the failure runs through), with a
    short message; ``via`` as for :class:`Finding`."""

    file: str
    line: int
    column: int
    message: str
    via: tuple = ()

    def as_dict(self) -> dict:
        out = {"file": self.file, "line": self.line, "column": self.column,
               "message": self.message}
        if self.via:
            out["via"] = [{"instance": v.instance, "block": v.block, "file": v.file,
                           "line": v.line, "column": v.column} for v in self.via]
        return out


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
    #: For a finding inside a block instance: the instantiations (twin.layout.model.Via),
    #: outermost first; file/line/column then point into the block's definition.
    via: tuple = ()
    #: Related locations (R001, R003: the feed entries where the affected racks' paths
    #: meet at the failure), at most :data:`MAX_RELATED`; ``related_more`` counts the rest.
    related: tuple[Related, ...] = field(default=(), compare=False)
    related_more: int = field(default=0, compare=False)

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
        if self.related:
            out["related"] = [r.as_dict() for r in self.related]
            if self.related_more:
                out["related_more"] = self.related_more
        return out


# --- Errors ------------------------------------------------------------

class UsageError(Exception):
    """A problem with how twin was called: unknown flag, missing file, bad option value."""


# --- Atomic writes ------------------------------------------------------------

def _umask() -> int:
    """The process umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once
    os.umask(mask)
    return mask


def new_file_mode(max_mode: int | None = None) -> int:
    """Permission bits of a new file: ``0o666`` less the umask, as ``open()`` gives, and at
    most ``max_mode`` (the input's bits) when given."""
    mode = 0o666 & ~_umask()
    return mode if max_mode is None else mode & max_mode


def new_folder_mode(max_mode: int | None = None) -> int:
    """Permission bits of a new folder: ``0o777`` less the umask, and at most ``max_mode``
    with search (x) bits added where it lets read (a 0600 input gives 0700 folders)."""
    mode = 0o777 & ~_umask()
    if max_mode is None:
        return mode
    return mode & (max_mode | (max_mode & 0o444) >> 2)


def input_mode(paths: Iterable[str | None]) -> int | None:
    """The permission bits every one of ``paths`` has (the most private input wins);
    ``None`` when none is a file that can be stat'ed (standard input)."""
    mode = None
    for path in paths:
        if path is None or path == "-":
            continue
        try:
            bits = os.stat(path).st_mode & 0o777
        except OSError:
            continue
        mode = bits if mode is None else mode & bits
    return mode


def link_refusal(path: str, flag: str = "") -> UsageError:
    """The usage error for a symbolic link where twin would write."""
    try:
        target = os.readlink(path)
    except OSError:
        target = "?"
    shown = f"{flag} {path}" if flag else path
    return UsageError(f"{shown}: is a symbolic link (to {target}); twin neither replaces a "
                      "link nor writes through it: give the real path, or remove the link")


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_input(output: str | None, inputs: Iterable[str | None], flag: str) -> None:
    """Raise a usage error when ``output`` is one of ``inputs``: the same file by name, by a
    symbolic link or by a hard link. Writing there would replace the layout read."""
    if not output or output == "-":
        return
    for path in inputs:
        if path is None or path == "-":
            continue
        if _same_file(output, path):
            if os.path.islink(output):
                how = " (a symbolic link to it)"
            elif os.path.realpath(output) != os.path.realpath(path):
                how = " (a hard link to it)"
            elif os.path.abspath(output) != os.path.abspath(path):
                how = " (by another path)"
            else:
                how = ""
            raise UsageError(f"{flag} {output}: is the input {path}{how}; writing there would "
                             "replace it: give another output path")


def write_atomic(path: str, data: str | bytes, *, max_mode: int | None = None) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, rename it over.

    A crash or kill at any moment leaves ``path`` as it was before or complete after. An
    existing file keeps its permission bits; a new one gets ``0o666`` less the umask, as
    ``open()`` would give it; either way at most ``max_mode`` when given (the permission
    bits of the input the file is made from). Text is written as UTF-8 as it is (line
    ends included). A symbolic link at ``path`` is refused, never replaced or followed.
    Raises :class:`UsageError` when the file cannot be written (the temporary file is
    removed).
    """
    directory = os.path.dirname(os.path.abspath(path))
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        mode = new_file_mode()
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    else:
        if stat.S_ISLNK(st.st_mode):
            raise link_refusal(path)
        mode = st.st_mode & 0o777
    if max_mode is not None:
        mode &= max_mode
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                        dir=directory)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None
        raise
    fsync_folder(directory)


def fsync_folder(directory: str) -> None:
    """Make renames into ``directory`` durable; not every system can open a folder."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
