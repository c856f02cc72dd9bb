"""Export folders written as a set: twin replaces what its own marker lists, nothing else.

``--usd DIR`` and ``--netbox DIR`` build their files in a temporary folder beside DIR,
then move them in. DIR may be new, empty, or an earlier export of the same kind, which
twin recognises by the marker it writes there, ``.twin-export.json``: the format
version, the kind, every folder and file that export wrote, with each file's size and
SHA-256. Only the files that marker lists are replaced or removed; whatever else is in
DIR stays as it is; a DIR that is not empty and holds no marker is refused (exit 2).
The rules, and how a reader checks it has a whole set, are in docs/export.md.
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from twin.core import (
    fsync_folder,
    input_mode,
    link_refusal,
    new_file_mode,
    new_folder_mode,
    write_atomic,
)
from twin.core import UsageError

#: The marker file, written last into every export folder.
MARKER = ".twin-export.json"
#: ``format`` and ``version`` of the marker; a later twin that changes it bumps the version.
FORMAT, VERSION = "twin-export", 1
#: A marker larger than this is not one twin wrote (a 1 GW USD export's is ~3 KB).
MAX_MARKER_BYTES = 16 * 1024 * 1024
#: One path component of a name twin writes in an export folder (it writes no other).
_COMPONENT = re.compile(r"[A-Za-z0-9_.-]{1,255}")


@dataclass(frozen=True, slots=True)
class Marker:
    """What an earlier export wrote, as its marker says: folders and files, relative."""

    kind: str
    folders: tuple[str, ...]
    files: tuple[str, ...]
    complete: bool


def valid_name(name: object) -> bool:
    """True for a relative path inside the folder that twin could have written: no ``..``,
    no absolute path, no empty or odd component, not the marker itself."""
    if not isinstance(name, str) or not name or name == MARKER:
        return False
    parts = name.split("/")
    return all(_COMPONENT.fullmatch(p) and p not in (".", "..") for p in parts)


def survey(target: str, kind: str, flag: str, shown: str | None = None) -> Marker | None:
    """What is at ``target`` now: ``None`` for a new or empty folder, else the marker of
    twin's earlier export of this kind. Raises :class:`UsageError` (exit 2) for anything
    else: a link, a file, a folder holding files twin did not write, a foreign marker.
    ``shown`` is the folder as the user wrote it (default ``target``)."""
    name = shown or target
    shown = f"{flag} {name}"
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if stat.S_ISLNK(st.st_mode):
        raise link_refusal(name, flag)
    if not stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{shown}: exists and is not a folder")
    try:
        names = sorted(os.listdir(target))
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    if not names:
        return None
    if MARKER not in names:
        shown_names = ", ".join(names[:5]) + (f" and {len(names) - 5} more"
                                               if len(names) > 5 else "")
        raise UsageError(f"{shown}: the folder is not empty ({shown_names}) and holds no "
                         f"{MARKER}, so it is not an earlier twin export; twin never deletes "
                         "or replaces files it did not write: choose a new or empty folder")
    return read_marker(os.path.join(target, MARKER), kind, shown)


def read_marker(path: str, kind: str, shown: str) -> Marker:
    """The marker at ``path``, validated; a usage error when it is not one twin wrote."""

    def refuse(why: str) -> UsageError:
        return UsageError(f"{shown}: {MARKER} {why}; it is not a marker twin wrote, so twin "
                          "touches nothing there: choose a new or empty folder")

    try:
        st = os.lstat(path)
        if not stat.S_ISREG(st.st_mode):
            raise refuse("is not a regular file")
        if st.st_size > MAX_MARKER_BYTES:
            raise refuse(f"is larger than {MAX_MARKER_BYTES:,} bytes")
        with open(path, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, UsageError):
            raise
        raise refuse(f"cannot be read as JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise refuse(f'has no "format": "{FORMAT}"')
    if data.get("version") != VERSION:
        raise refuse(f"has version {data.get('version')!r}; this twin reads version {VERSION}")
    if data.get("kind") != kind:
        raise UsageError(f"{shown}: holds a twin {data.get('kind')!r} export, not {kind!r}; "
                         "choose another folder")
    folders, files = data.get("folders"), data.get("files")
    if not isinstance(folders, list) or not isinstance(files, dict):
        raise refuse('has no "folders" list or "files" mapping')
    for name in [*folders, *files]:
        if not valid_name(name):
            raise refuse(f"lists {name!r}, which is not a path twin writes inside the folder")
    return Marker(kind, tuple(folders), tuple(files), data.get("complete") is True)


def _marker_text(kind: str, layout: str, folders: Iterable[str], files: dict[str, dict],
                 complete: bool) -> str:
    body = {"format": FORMAT, "version": VERSION, "kind": kind, "layout": layout,
            "complete": complete, "folders": sorted(folders),
            "files": {name: files[name] for name in sorted(files)}}
    return json.dumps(body, indent=1, ensure_ascii=True) + "\n"


def _walk(root: str) -> tuple[list[str], list[str]]:
    """Folders and files under ``root``, relative with ``/``, sorted (parents first)."""
    folders, files = [], []
    for here, dirs, names in os.walk(root):
        rel = os.path.relpath(here, root)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        folders += [prefix + d for d in dirs]
        files += [prefix + n for n in names]
    return sorted(folders), sorted(files)


def _kind(path: str) -> str:
    """``none``, ``dir``, ``file``, ``link`` or ``other``, without following a link."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return "none"
    except NotADirectoryError:
        return "none"
    if stat.S_ISLNK(mode):
        return "link"
    if stat.S_ISDIR(mode):
        return "dir"
    return "file" if stat.S_ISREG(mode) else "other"


def _inside(target: str, name: str) -> bool:
    """True when every folder on the way to ``name`` under ``target`` is a real folder."""
    parts = name.split("/")
    for i in range(1, len(parts)):
        if _kind(os.path.join(target, *parts[:i])) != "dir":
            return False
    return True


def _seal(path: str, mode: int) -> dict:
    """Give a built file its mode, flush it to disk; its size and SHA-256 for the marker."""
    os.chmod(path, mode)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
        os.fsync(handle.fileno())
    return {"bytes": os.path.getsize(path), "sha256": digest.hexdigest()}


@contextlib.contextmanager
def building(outdir: str, *, kind: str, flag: str, layout: str = "",
             max_mode: int | None = None, protect: Iterable[str] = ()) -> Iterator[str]:
    """Build an export folder: yields a temporary folder to write into; on a clean exit its
    files go into ``outdir`` by the rules of the module docstring, else it is removed.

    ``max_mode`` caps the permission bits of new files and folders (the input's);
    ``protect`` are input files that must never be replaced or removed.
    """
    target = os.path.abspath(outdir)
    survey(target, kind, flag, outdir)  # refuse before building anything
    parent = os.path.dirname(target)
    dir_mode = new_folder_mode(max_mode)
    try:
        os.makedirs(parent, mode=dir_mode, exist_ok=True)
        here = parent
        if os.path.isdir(target) and os.stat(target).st_dev != os.stat(parent).st_dev:
            here = target  # a mount point: build on its own file system
        temp = tempfile.mkdtemp(prefix=f".{os.path.basename(target) or 'export'}.",
                                suffix=".tmp", dir=here)
    except OSError as exc:
        raise UsageError(f"{flag} {outdir}: cannot write: {exc.strerror or exc}") from None
    try:
        yield temp
        _publish(temp, target, outdir, kind=kind, flag=flag, layout=layout,
                 max_mode=max_mode, dir_mode=dir_mode, protect=protect)
    except OSError as exc:
        raise UsageError(f"{flag} {outdir}: cannot write: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _publish(temp: str, target: str, outdir: str, *, kind: str, flag: str, layout: str,
             max_mode: int | None, dir_mode: int, protect: Iterable[str]) -> None:
    file_mode = new_file_mode(max_mode)
    folders, files = _walk(temp)
    sums = {name: _seal(os.path.join(temp, name), file_mode) for name in files}
    for name in folders:
        os.chmod(os.path.join(temp, name), dir_mode)
    old = survey(target, kind, flag, outdir)  # again: it may have changed while building
    if old is None and _kind(target) == "none":
        write_atomic(os.path.join(temp, MARKER), _marker_text(kind, layout, folders, sums, True),
                     max_mode=file_mode)
        os.chmod(temp, dir_mode)
        fsync_folder(temp)
        try:
            os.rename(temp, target)  # the whole set appears at once
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY, errno.EXDEV):
                raise
            os.unlink(os.path.join(temp, MARKER))  # made meanwhile: move the files in
            old = survey(target, kind, flag, outdir)
        else:
            fsync_folder(os.path.dirname(target))
            return
    _move_in(temp, target, old, folders, sums, kind=kind, flag=flag, layout=layout,
             max_mode=max_mode, dir_mode=dir_mode, protect=protect, outdir=outdir)


def _move_in(temp, target, old: Marker | None, folders: list[str], sums: dict[str, dict], *,
             kind, flag, layout, max_mode, dir_mode, protect, outdir) -> None:
    """Move the built files into an existing folder: plan and check everything, then an
    interim marker (``complete: false``) listing old and new, the moves, the removals of
    old files the new export does not write, and the final marker. A file replaced keeps
    its permission bits, less any the input lacks."""
    file_mode = new_file_mode(max_mode)
    shown = f"{flag} {outdir}"
    old_files = set(old.files) if old else set()
    old_folders = set(old.folders) if old else set()
    inputs = set()
    for path in protect:
        with contextlib.suppress(OSError):
            st = os.stat(path)
            inputs.add((st.st_dev, st.st_ino))

    def is_input(path: str) -> bool:
        st = os.lstat(path)
        return (st.st_dev, st.st_ino) in inputs

    make, kept = [], {}
    for name in folders:
        at = os.path.join(target, name)
        what = _kind(at)
        if what == "none":
            make.append(name)
        elif what == "link":
            raise link_refusal(at, flag)
        elif what != "dir":
            raise UsageError(f"{shown}: {name} is in the way (twin writes a folder there): "
                             "choose a new or empty folder")
    for name in sums:
        at = os.path.join(target, name)
        what = _kind(at)
        if what == "link":
            raise link_refusal(at, flag)
        if what == "none":
            continue
        if what != "file" or name not in old_files:
            raise UsageError(f"{shown}: {name} exists and twin did not write it (its "
                             f"{MARKER} does not list it): nothing was written; move it away "
                             "or choose a new or empty folder")
        if is_input(at):
            raise UsageError(f"{shown}: {name} is an input of this run; writing there would "
                             "replace it: give another folder")
        kept[name] = os.lstat(at).st_mode & 0o777 & (0o777 if max_mode is None else max_mode)
    gone = []
    for name in sorted(old_files - set(sums)):
        at = os.path.join(target, name)
        if _inside(target, name) and _kind(at) == "file":  # else it is no longer twin's
            if is_input(at):
                raise UsageError(f"{shown}: {name} is an input of this run; the new export "
                                 "would remove it: give another folder")
            gone.append(name)
    empty = [name for name in sorted(old_folders - set(folders), reverse=True)
             if _inside(target, name) and _kind(os.path.join(target, name)) == "dir"]

    marker = os.path.join(target, MARKER)
    pending = {name: {} for name in (*sums, *gone)}
    write_atomic(marker, _marker_text(kind, layout, {*folders, *empty}, pending, False),
                 max_mode=file_mode)
    touched = {target}
    for name in make:
        os.mkdir(os.path.join(target, name), dir_mode)
    for name in sums:
        at = os.path.join(target, name)
        if name in kept:
            os.chmod(os.path.join(temp, name), kept[name])
        os.replace(os.path.join(temp, name), at)
        touched.add(os.path.dirname(at))
    for name in gone:
        os.unlink(os.path.join(target, name))
        touched.add(os.path.dirname(os.path.join(target, name)))
    for name in empty:
        with contextlib.suppress(OSError):  # not empty: what is inside is the user's
            os.rmdir(os.path.join(target, name))
    for folder in sorted(touched):
        if os.path.isdir(folder):
            fsync_folder(folder)
    write_atomic(marker, _marker_text(kind, layout, folders, sums, True), max_mode=file_mode)


def write_folder(folder: str, files: dict[str, str], *, kind: str, flag: str, layout: str = "",
                 inputs: Iterable[str] = ()) -> None:
    """Write ``files`` (name: text) into the export folder ``folder`` as a set, by the rules
    of this module (never a file twin did not write; the marker last), no more readable
    than ``inputs`` and never over one of them."""
    inputs = list(inputs)
    mode = input_mode(inputs)
    with building(folder, kind=kind, flag=flag, layout=layout, max_mode=mode,
                  protect=inputs) as temp:
        for name, text in files.items():
            write_atomic(os.path.join(temp, name), text, max_mode=mode)


__all__ = ["MARKER", "Marker", "building", "read_marker", "survey", "valid_name",
           "write_folder"]
