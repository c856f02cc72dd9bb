"""Golden files: every reporter's output for the SPEC worked example, byte for byte.

The files under ``tests/reporters/golden/`` were read line by line when they were made.
When a change to a reporter is meant, regenerate them with
``TWIN_REGENERATE_GOLDEN=1 python -m pytest tests/reporters/test_golden.py``, read the
diff, and commit it with the change. Paths are relative; the one absolute path, the
folder SARIF names as its base, is redacted to ``file:///ROOT/``.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parent / "golden"
LAYOUT = "tests/layouts/spec-worked-example.yaml"

CASES = {
    "validate.txt": ["validate", LAYOUT, "--no-progress"],
    "validate.json": ["validate", LAYOUT, "--no-progress", "--format", "json"],
    "validate.sarif": ["validate", LAYOUT, "--no-progress", "--format", "sarif"],
    "validate.junit.xml": ["validate", LAYOUT, "--no-progress", "--format", "junit"],
    "whatif.txt": ["whatif", LAYOUT, "--fail", "ups"],
    "whatif.json": ["whatif", LAYOUT, "--fail", "ups", "--format", "json"],
    "report.txt": ["report", LAYOUT],
}


def _run(args: list[str]) -> bytes:
    proc = subprocess.run([sys.executable, "-m", "twin", *args], cwd=ROOT, capture_output=True,
                          env={**os.environ, "PYTHONHASHSEED": "0"})
    assert proc.returncode in (0, 1), proc.stderr.decode()
    # SARIF names the folder it ran in (originalUriBaseIds): redacted, as it differs by machine
    return proc.stdout.replace(ROOT.as_uri().encode() + b"/", b"file:///ROOT/")


@pytest.mark.parametrize("name", sorted(CASES))
def test_reporter_output_is_the_golden_file(name):
    out = _run(CASES[name])
    path = GOLDEN / name
    if os.environ.get("TWIN_REGENERATE_GOLDEN"):
        path.write_bytes(out)
    assert path.exists(), f"{path.name} missing: regenerate with TWIN_REGENERATE_GOLDEN=1"
    assert out == path.read_bytes(), (
        f"{name} differs from its golden file; if the change is meant, regenerate with "
        "TWIN_REGENERATE_GOLDEN=1 and review the diff")
