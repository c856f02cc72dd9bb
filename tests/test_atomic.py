"""Nothing half-written: every file twin writes is a temporary file renamed into place.

A write killed midway (SIGKILL of a real process, or a failing fsync or rename) leaves
the old file whole. Files twin writes: ``expand -o``, ``capacity --write`` and
``simulate --plot``; all go through :func:`twin.core.write_atomic`.
"""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import mutations
import pytest

from twin.core import write_atomic
from twin.core import UsageError

ROOT = Path(__file__).resolve().parent.parent
OLD = "the old file, complete\n" * 100


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_write_killed_midway_leaves_the_old_file_whole(tmp_path):
    target = tmp_path / "layout.yaml"
    target.write_text(OLD)
    ready = tmp_path / "ready"
    # the child writes 50 MB through write_atomic and stops inside fsync, after every
    # byte of the temporary file is written but before the rename: then it is killed
    child = textwrap.dedent(f"""
        import os, time
        from twin import core as atomic
        def stuck(fd):
            open({str(ready)!r}, "w").close()
            time.sleep(600)
        atomic.os.fsync = stuck
        atomic.write_atomic({str(target)!r}, "x" * 50_000_000)
    """)
    proc = subprocess.Popen([sys.executable, "-c", child], env={**os.environ})
    try:
        for _ in range(1200):  # up to 120 s on a loaded machine
            if ready.exists() or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert ready.exists(), "the child never reached fsync"
        temps = _leftovers(tmp_path)
        assert len(temps) == 1 and (tmp_path / temps[0]).stat().st_size == 50_000_000
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_text() == OLD


def test_a_child_killed_while_writing_never_leaves_a_partial_target(tmp_path):
    # kill at an arbitrary moment: the target is the old text or the whole new one
    target = tmp_path / "out.svg"
    target.write_text(OLD)
    new = "n" * 30_000_000
    child = (f"from twin.core import write_atomic\n"
             f"write_atomic({str(target)!r}, {new[:1]!r} * {len(new)})\n")
    proc = subprocess.Popen([sys.executable, "-c", child], env={**os.environ})
    for _ in range(600):
        if _leftovers(tmp_path) or proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    size = target.stat().st_size
    assert size in (len(OLD), len(new))
    assert target.read_text()[:30] in (OLD[:30], new[:30])


@pytest.mark.parametrize("broken", ["fsync", "replace", "write"])
def test_a_failing_write_keeps_the_old_file_and_removes_the_temporary(tmp_path, monkeypatch,
                                                                      broken):
    import twin.core as atomic

    target = tmp_path / "layout.yaml"
    target.write_text(OLD)

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    if broken == "write":
        real_fdopen = os.fdopen

        class Full:
            def __init__(self, handle):
                self.handle = handle

            def write(self, data):
                self.handle.write(data[: len(data) // 2])
                fail()

            def __getattr__(self, name):
                return getattr(self.handle, name)

            def __enter__(self):
                return self

            def __exit__(self, *exc):
                self.handle.close()

        monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode: Full(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(atomic.os, broken, fail)
    with pytest.raises(UsageError, match="No space left on device"):
        write_atomic(str(target), "new\n" * 1000)
    assert target.read_text() == OLD
    assert _leftovers(tmp_path) == []


def test_a_new_file_gets_the_umask_and_an_old_one_keeps_its_mode(tmp_path):
    old_mask = os.umask(0o027)
    try:
        write_atomic(str(tmp_path / "new.yaml"), "x")
    finally:
        os.umask(old_mask)
    assert stat.S_IMODE((tmp_path / "new.yaml").stat().st_mode) == 0o640
    kept = tmp_path / "kept.yaml"
    kept.write_text("old")
    kept.chmod(0o604)
    write_atomic(str(kept), "new")
    assert stat.S_IMODE(kept.stat().st_mode) == 0o604 and kept.read_text() == "new"


def test_a_folder_that_does_not_exist_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="cannot write"):
        write_atomic(str(tmp_path / "no" / "such" / "x.yaml"), "x")


def _fail_replace(monkeypatch):
    import twin.core as atomic

    def fail(*args):
        raise OSError(5, "Input/output error")
    monkeypatch.setattr(atomic.os, "replace", fail)


def test_expand_output_is_atomic(tmp_path, monkeypatch):
    out = tmp_path / "flat.yaml"
    out.write_text(OLD)
    src = str(ROOT / "layouts" / "blocks" / "gb300-hall.yaml")
    _fail_replace(monkeypatch)
    code, _, err = mutations.run_cli(["expand", src, "-o", str(out)])
    assert code == 2 and "cannot write" in err and "Traceback" not in err
    assert out.read_text() == OLD and _leftovers(tmp_path) == []
    monkeypatch.undo()
    assert mutations.run_cli(["expand", src, "-o", str(out)])[0] == 0
    assert out.read_text().startswith("# Flat layout expanded")


def test_capacity_write_is_atomic(tmp_path, monkeypatch):
    out = tmp_path / "plus.yaml"
    out.write_text(OLD)
    src = str(ROOT / "tests" / "layouts" / "capacity-pdu.yaml")
    _fail_replace(monkeypatch)
    code, _, err = mutations.run_cli(["capacity", src, "--rack-type", "hgx-h100-x4",
                                      "--write", str(out)])
    assert code == 2 and "cannot write" in err, err
    assert out.read_text() == OLD and _leftovers(tmp_path) == []


def test_simulate_plot_is_atomic(tmp_path, monkeypatch):
    out = tmp_path / "year.svg"
    out.write_text(OLD)
    src = str(ROOT / "tests" / "layouts" / "spec-worked-example.yaml")
    _fail_replace(monkeypatch)
    code, _, err = mutations.run_cli(["simulate", src, "--hours", "24", "--no-progress",
                                      "--plot", str(out)])
    assert code == 2 and "cannot write" in err, err
    assert out.read_text() == OLD and _leftovers(tmp_path) == []


def test_twin_writes_files_only_through_write_atomic():
    # the audit, kept: no module of twin opens a file for writing by itself
    offenders = []
    for path in (ROOT / "twin").rglob("*.py"):
        if path.name == "core.py":
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ('open(path, "w', "open(out, \"w", ".write_text(", ".write_bytes(",
                       "mkstemp(", "NamedTemporaryFile("):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
        for line in text.splitlines():
            s = line.strip()
            if s.startswith("with open(") and ('"w' in s or "'w" in s or '"a' in s):
                offenders.append(f"{path.name}: {s}")
    assert offenders == []
