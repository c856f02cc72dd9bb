"""Reading includes safely: only regular files inside the layout's folder or an include root.

An include is refused (L010) when it resolves outside those folders, is a directory,
FIFO, device or socket (from ``stat``, before it is opened), was swapped between the
check and the open (``fstat`` of the descriptor, opened ``O_NONBLOCK``), or would take
the layout past ``max_bytes`` (L001). Cycles and nesting deeper than the limit are L010.
"""
from __future__ import annotations

import difflib
import os
import stat

from twin.layout.ranges import MAX_NESTING, Rules, text_of
from twin.layout.source import Problem, YEntry, YMap, YScalar, YSeq, parse


class Includes(Rules):
    """The ``include:`` key: which files may be read, and reading them."""

    def include(self, entry: YEntry, path: str, chain: list[tuple[str, str]]):
        """``(tree, path, chain)`` of each file an ``include:`` entry names that may be read
        and parses (each stamped with its path), in written order; problems for the rest."""
        raw = entry.value
        items = raw.items if isinstance(raw, YSeq) else [raw]
        base = os.path.dirname(path)
        for item in items:
            if not isinstance(item, YScalar) or item.is_null or not item.text:
                self.problem("L004", f"include: each item is a file path, not {text_of(item)}",
                             item)
                continue
            target = os.path.normpath(os.path.join(base, item.text))
            real = os.path.realpath(target)
            if not self.may_read(real):
                self.outside(item)
                continue
            reals = [r for r, _ in chain]
            if real in reals:
                loop = " -> ".join([*(shown for _, shown in chain[reals.index(real):]), target])
                self.problem("L010", f"include cycle: {loop}; a file may not include itself, "
                             "directly or through other files", item)
                continue
            if real in self.seen_files:
                continue  # included twice (not a cycle): read once
            if len(chain) >= min(self.limits.max_depth, MAX_NESTING):
                self.problem("L010", f"includes nested deeper than "
                             f"{min(self.limits.max_depth, MAX_NESTING)} levels", item)
                continue
            data = self.read(item, target, real)
            if data is None:
                continue
            self.seen_files.add(real)
            tree, problems = parse(data, self.limits)
            for p in problems:
                self.problems.append(Problem(p.code, p.message, p.line, p.column, p.key, target))
            if tree is None:
                continue
            set_file(tree, target)
            yield tree, target, [*chain, (real, target)]

    def may_read(self, real: str) -> bool:
        """True when the resolved path ``real`` is inside one of the include roots."""
        return any(real == root or real.startswith(root.rstrip(os.sep) + os.sep)
                   for root in self.roots)

    def outside(self, item: YScalar) -> None:
        """L010 for an include outside the roots: it names the path as written and nothing
        of the file, which is never opened."""
        given = " and the --include-root folders" if self.limits.include_roots else ""
        if self.file == "-" and not given:
            self.problem("L010", f"include: {item.text!r}: a layout read from standard input "
                         "has no folder to include from; name the included file's folder "
                         "with --include-root", item)
            return
        where = ("the --include-root folders" if self.file == "-" else
                 f"the layout's folder ({os.path.dirname(self.file) or '.'}){given}")
        self.problem("L010", f"include: {item.text!r} is outside {where}, where includes are "
                     "read from (symlinks followed); move the file there or name its folder "
                     "with --include-root", item)

    def read(self, item: YScalar, target: str, real: str) -> bytes | None:
        """The bytes of a regular file, or ``None`` with a problem. A FIFO, device or
        socket is refused from ``stat`` before it is opened (reading one could block or
        never end); the file is opened non-blocking and checked again from its descriptor
        (a regular file, the same inode, inside the roots), so one swapped in between is
        refused too."""
        try:
            before = os.stat(real)
        except FileNotFoundError:
            self.problem("L010", f"include: {item.text!r} ({target}) does not exist"
                         f"{_near_file(item.text, target)}", item)
            return None
        except OSError as exc:
            self.problem("L010", f"include: cannot read {item.text!r}: {exc.strerror or exc}",
                         item)
            return None
        if stat.S_ISDIR(before.st_mode):
            self.problem("L010", f"include: {item.text!r} is a directory, not a layout file", item)
            return None
        if not stat.S_ISREG(before.st_mode):
            self.problem("L010", f"include: {item.text!r} is {_file_kind(before.st_mode)}, not a "
                         "regular file; an include must be a layout file", item)
            return None
        flags = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
                 | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
        try:
            fd = os.open(real, flags)
        except OSError as exc:
            self.problem("L010", f"include: cannot read {item.text!r}: {exc.strerror or exc}",
                         item)
            return None
        try:
            with os.fdopen(fd, "rb") as handle:
                fd = -1  # the handle closes it
                opened = os.fstat(handle.fileno())
                if not stat.S_ISREG(opened.st_mode) or (opened.st_dev, opened.st_ino) != (
                        before.st_dev, before.st_ino) or not self.may_read(
                        _opened_path(handle.fileno(), real)):
                    self.problem("L010", f"include: {item.text!r} was replaced while it was "
                                 "being opened (by another file, or a link out of the folders "
                                 "includes may read); nothing was read from it", item)
                    return None
                data = handle.read(max(self.limits.max_bytes - self.bytes, 0) + 1)
        except OSError as exc:
            self.problem("L010", f"include: cannot read {item.text!r}: {exc.strerror or exc}",
                         item)
            return None
        finally:
            if fd >= 0:
                os.close(fd)
        self.bytes += len(data)
        if self.bytes > self.limits.max_bytes:
            self.problem("L001", f"include {item.text!r}: the layout and its included files "
                         f"together are larger than {self.limits.max_bytes:,} bytes; raise the "
                         "limit with --max-bytes if this is intended", item)
            return None
        return data


def set_file(node, file: str) -> None:
    """Mark every node of an included file's tree as written in ``file``."""
    stack = [node]
    seen: set[int] = set()
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        n.file = file
        if n.__class__ is YMap:
            for entry in n.entries.values():
                entry.file = file
                stack.append(entry.value)
        elif n.__class__ is YSeq:
            stack.extend(n.items)


def _opened_path(fd: int, real: str) -> str:
    """The path the kernel opened for ``fd`` (Linux); ``real`` where it does not say: a
    folder swapped for a symlink between the check and the open shows here."""
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return real


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def _near_file(written: str, target: str) -> str:
    """`` (did you mean 'x'?)`` naming a layout file next to where ``target`` was expected."""
    folder = os.path.dirname(target) or "."
    try:
        names = [n for n in os.listdir(folder)
                 if n.endswith((".yaml", ".yml")) and os.path.isfile(os.path.join(folder, n))]
    except OSError:
        return ""
    close = difflib.get_close_matches(os.path.basename(target), names, n=1, cutoff=0.6)
    if not close:
        return ""
    return f" (did you mean {os.path.join(os.path.dirname(written), close[0])!r}?)"
