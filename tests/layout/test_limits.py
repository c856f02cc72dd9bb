"""Hard limits: file size, YAML nodes (aliases expanded), nesting depth and id length.

Each limit is refused with an L finding, has a documented default, and a flag raises it.
A 1 GB stream of repeated keys and an endless stream are refused after reading at most
the size limit plus one byte: the writer on the other end of a FIFO counts what twin
consumed. (How long that takes is measured in bench/limits.py, not asserted here.)
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import mutations
import pytest

from twin.layout.source import (
    MAX_BYTES, MAX_DEPTH, MAX_FINDINGS, MAX_ID_LENGTH, MAX_NODES, MAX_NUMBER_LENGTH, Limits,
)

ROOT = Path(__file__).resolve().parents[2]
LINE = b"k: v\n"
CHUNK = LINE * 13108  # 64 KiB of repeated keys
GIB = 1 << 30


def _validate(*argv):
    code, out, err = mutations.run_cli(["validate", *map(str, argv), "--no-progress"])
    return code, out, err


def test_the_defaults_are_the_documented_ones():
    assert Limits() == Limits(max_bytes=64 * 1024 * 1024, max_nodes=5_000_000, max_depth=64,
                              max_id_length=256, max_findings=10_000)
    doc = (ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    for figure in (f"{MAX_BYTES:,}", f"{MAX_NODES:,}", f"{MAX_DEPTH}", f"{MAX_ID_LENGTH}",
                   f"{MAX_FINDINGS:,}", f"| {MAX_NUMBER_LENGTH} characters |"):
        assert figure in doc
    for flag in ("--max-bytes", "--max-nodes", "--max-depth", "--max-id-length",
                 "--max-findings"):
        assert flag in doc


def _feed_fifo(path: str, total: int | None, counted: list) -> threading.Thread:
    """A writer thread: ``total`` bytes of repeated keys (``None``: endless) into a FIFO."""
    def run():
        written = 0
        try:
            with open(path, "wb", buffering=0) as out:
                while total is None or written < total:
                    n = out.write(CHUNK if total is None else CHUNK[: total - written])
                    written += n
        except BrokenPipeError:  # the reader stopped reading: what we expect
            pass
        finally:
            counted.append(written)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("total", [GIB, None], ids=["1GB-of-repeated-keys", "endless"])
def test_a_huge_or_endless_stream_is_refused_after_reading_the_limit(tmp_path, total):
    fifo = str(tmp_path / "stream.yaml")
    os.mkfifo(fifo)
    counted: list[int] = []
    writer = _feed_fifo(fifo, total, counted)
    code, out, err = _validate(fifo, "--format", "json")
    writer.join(timeout=60)
    assert not writer.is_alive(), "the writer is still writing: twin did not stop reading"
    assert code == 1
    assert '"code": "L001"' in out and f"larger than {MAX_BYTES:,} bytes" in out
    # twin read max_bytes + 1; the pipe buffer (64 KiB) and one chunk were in flight
    assert counted[0] <= MAX_BYTES + 1 + 2 * len(CHUNK) + 65536
    assert counted[0] < (total or GIB) // 10


def test_a_small_byte_limit_stops_a_stream_early(tmp_path):
    fifo = str(tmp_path / "stream.yaml")
    os.mkfifo(fifo)
    counted: list[int] = []
    writer = _feed_fifo(fifo, None, counted)
    code, out, _ = _validate(fifo, "--max-bytes", "1000", "--format", "json")
    writer.join(timeout=60)
    assert code == 1 and "larger than 1,000 bytes" in out
    assert counted[0] <= 1001 + 2 * len(CHUNK) + 65536


def test_standard_input_is_read_with_the_same_limit():
    layout = (ROOT / "tests" / "layouts" / "spec-worked-example.yaml").read_bytes()
    proc = subprocess.run([sys.executable, "-m", "twin", "validate", "-", "--format", "json"],
                          input=layout, capture_output=True, timeout=120)
    assert proc.returncode == 1 and b'"R004"' in proc.stdout  # the worked example's findings
    proc = subprocess.Popen([sys.executable, "-m", "twin", "validate", "-", "--max-bytes",
                             "100000"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    written = 0
    try:
        while written < GIB:
            proc.stdin.write(CHUNK)
            written += len(CHUNK)
    except BrokenPipeError:
        pass
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1 and b"larger than 100,000 bytes" in out
    assert written < 100_000 + 4 * len(CHUNK) + 65536 * 2


def test_a_regular_file_over_the_limit_is_read_only_up_to_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "big.yaml"
    path.write_bytes(LINE * 100_000)  # 500,000 bytes of repeated keys
    import builtins

    sizes = []
    real_open = builtins.open

    class Spy:
        def __init__(self, handle):
            self.handle = handle

        def read(self, n=-1):
            sizes.append(n)
            return self.handle.read(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

    def spy_open(file, mode="r", *args, **kwargs):
        handle = real_open(file, mode, *args, **kwargs)
        return Spy(handle) if str(file) == str(path) and "b" in mode else handle

    monkeypatch.setattr(builtins, "open", spy_open)
    code, out, _ = _validate(path, "--max-bytes", "4096")
    assert code == 1 and "larger than 4,096 bytes" in out
    assert sizes == [4097]


def test_repeated_keys_under_the_byte_limit_stop_at_the_node_limit():
    import twin

    text = "twin: 1\n" + "k: v\n" * 3000
    loaded = twin.load_bytes(text, "t.yaml", limits=Limits(max_nodes=1000))
    assert [f.code for f in loaded.findings] == ["L001"]
    assert "more than 1,000 nodes" in loaded.findings[0].message


def test_the_node_limit_counts_aliases_expanded_and_a_flag_raises_it(tmp_path):
    # 1 + 10 + 100 + 1,000 + 10,000 nodes behind the aliases of the last line
    lines = ["twin: 1", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 4)]
    path = tmp_path / "aliases.yaml"
    path.write_text("\n".join(lines) + "\n")
    code, out, _ = _validate(path, "--max-nodes", "5000")
    assert code == 1 and "L001" in out and "more than 5,000 nodes" in out
    code, out, _ = _validate(path, "--max-nodes", "100000")
    assert "L001" not in out and "L002" in out  # read; a0..a3 are unknown keys


def test_the_depth_limit_and_its_flag(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("twin: 1\nsite: {notes: " + "[" * 70 + "x" + "]" * 70 + "}\n")
    code, out, _ = _validate(path)
    assert code == 1 and "nesting deeper than 64 levels" in out
    code, out, _ = _validate(path, "--max-depth", "100")
    assert "nesting deeper" not in out and "L004" in out  # notes must be text


def test_the_id_length_limit_and_its_flag(tmp_path):
    long_id = "r" * 257
    path = tmp_path / "ids.yaml"
    path.write_text(f"twin: 1\npower:\n  u: {{kind: utility, capacity_kw: 100}}\nracks:\n"
                    f"  {long_id}: {{it_kw: 10, power: u}}\n")
    code, out, _ = _validate(path, "--format", "json")
    assert code == 1 and '"code": "L004"' in out and "257 characters long" in out
    assert '"line": 5' in out
    code, out, _ = _validate(path, "--max-id-length", "300", "--format", "json")
    assert "characters long" not in out
    ok = tmp_path / "ok.yaml"
    ok.write_text(path.read_text().replace(long_id, "r" * 256))
    assert "characters long" not in _validate(ok)[1]


@pytest.mark.parametrize("flag", ["--max-bytes", "--max-nodes", "--max-depth",
                                  "--max-id-length"])
def test_a_limit_flag_must_be_positive(tmp_path, flag):
    path = tmp_path / "x.yaml"
    path.write_text("twin: 1\n")
    code, _, err = _validate(path, flag, "0")
    assert code == 2 and f"{flag} must be a positive number" in err


def test_repeated_keys_are_listed_up_to_100_then_summed_up():
    import twin

    text = "twin: 1\n" + "k: v\n" * 5000
    loaded = twin.load_bytes(text, "t.yaml")
    l005 = [f for f in loaded.findings if f.code == "L005"]
    assert len(l005) == 101  # 100 one by one, then one that says there are more
    assert "more than 100 duplicate keys" in l005[-1].message and l005[-1].line == 103
    assert [f.line for f in l005[:3]] == [3, 4, 5]
