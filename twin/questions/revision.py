"""Read a layout as committed at a git revision (the blob ``REV:path``), for ``twin diff --rev``."""
from __future__ import annotations

import os
import shutil
import subprocess

from twin.checks import runner
from twin.checks import registry
from twin.core import UsageError
from twin.core import Finding
from twin.layout.source import Limits


def _git(args: list[str], cwd: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise UsageError(f"--rev: cannot run git: {exc.strerror or exc}") from None


def show(path: str, rev: str) -> bytes:
    """The bytes of ``path`` (a file in a git work tree) at revision ``rev``.

    Raises :class:`UsageError` when git is missing, the file is not in a git repository,
    the revision is unknown or the file does not exist at it.
    """
    if shutil.which("git") is None:
        raise UsageError("--rev needs git, which is not on PATH")
    if rev.startswith("-") or not rev.strip():
        raise UsageError(f"--rev: {rev!r} is not a revision")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(f"{path}: no such directory: {os.path.dirname(path) or '.'}")
    top = _git(["rev-parse", "--show-toplevel"], folder)
    if top.returncode != 0:
        raise UsageError(f"{path}: not in a git repository; --rev compares with a commit, "
                         "give OLD and NEW files instead")
    commit = _git(["rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}"],
                  folder)
    if commit.returncode != 0:
        raise UsageError(f"--rev: unknown revision {rev!r}")
    sha = commit.stdout.decode().strip()
    # "./name" is relative to the current directory of git, here the file's folder
    spec = f"{sha}:./{os.path.basename(path)}"
    blob = _git(["cat-file", "-e", spec], folder)
    if blob.returncode != 0:
        raise UsageError(f"{path}: does not exist at revision {rev} ({sha[:12]})")
    shown = _git(["cat-file", "blob", spec], folder)
    if shown.returncode != 0:
        message = shown.stderr.decode("utf-8", "replace").strip().splitlines()
        why = message[-1] if message else "git failed"
        raise UsageError(f"{path}: cannot read it at {rev}: {why}")
    return shown.stdout


def load_at_revision(path: str, rev: str, *, limits: Limits | None = None) -> runner.Loaded:
    """Load ``path`` as committed at ``rev``; findings name it ``PATH@REV``.

    Included files (``include:``) are read from the work tree, as they are now.
    """
    limits = limits or Limits()
    data = show(path, rev)
    label = f"{path}@{rev}"
    if len(data) > limits.max_bytes:
        check = registry()["L001"]
        return runner.Loaded(label, None, (Finding(
            "L001", check.severity, f"file is larger than {limits.max_bytes:,} bytes; raise "
            "the limit with --max-bytes if this is intended", label, name=check.name),))
    return runner.load_bytes(data, label, limits=limits)
