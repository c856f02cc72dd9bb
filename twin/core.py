"""The few shared records and helpers: the version, findings, usage errors, atomic writes.

Every writer of twin shares the rules of :func:`write_atomic` and its neighbours: a
symbolic link at the destination is refused, an output that is one of the inputs is
refused, and what twin writes is never more readable than the layout it was made from
(docs/robustness.md).
"""
from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
import os
import stat
import tempfile


#: twin's version, as the package metadata and the reporters (SARIF, HTML) give it.
VERSION = "0.1.0"

def did_you_mean(word: str, known) -> str:
    """`` (did you mean 'x'?)`` for the closest known word, or an empty string."""
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


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
