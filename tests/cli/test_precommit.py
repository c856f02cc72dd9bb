"""The twin-validate pre-commit hook, run by pre-commit itself on a temporary git repository.

pre-commit clones this repository at its HEAD commit and pip-installs it into a fresh
virtual environment once (about 20 s, from the package registry), then runs the hook
on the files given: a clean layout passes, a broken one fails with its findings, and a
YAML file outside layouts/ is not checked.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pre_commit", reason="pre-commit is in the test extra")

ROOT = Path(__file__).resolve().parents[2]
GIT = shutil.which("git")
#: pip's words for "the package registry cannot be reached": only then is the test skipped.
OFFLINE = re.compile(r"NewConnectionError|Temporary failure in name resolution|Network is "
                     r"unreachable|No matching distribution found|Could not find a version")


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """A git repository whose .pre-commit-config.yaml uses this repository's HEAD."""
    if GIT is None:
        pytest.skip("git is not installed")
    try:
        head = _git("rev-parse", "HEAD", cwd=ROOT)
    except subprocess.CalledProcessError:
        pytest.skip("this copy of twin is not a git checkout (pre-commit clones a commit)")
    base = tmp_path_factory.mktemp("precommit")
    repo = base / "repo"
    (repo / "layouts").mkdir(parents=True)
    (repo / "notes").mkdir()
    shutil.copy(ROOT / "layouts" / "edge-pod.yaml", repo / "layouts" / "pod.yaml")
    shutil.copy(ROOT / "tests" / "layouts" / "broken" / "hall-power-overload.yaml",
                repo / "layouts" / "hall.yaml")
    (repo / "notes" / "todo.yaml").write_text("not: [a layout\n")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {ROOT.as_posix()}\n    rev: {head}\n"
        "    hooks:\n      - id: twin-validate\n")
    _git("init", "-q", cwd=repo)
    _git("add", ".", cwd=repo)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # the hook's own twin
    env["PRE_COMMIT_HOME"] = str(base / "cache")
    env["PRE_COMMIT_COLOR"] = "never"

    def run(*files: str) -> subprocess.CompletedProcess:
        proc = subprocess.run([sys.executable, "-m", "pre_commit", "run", "twin-validate",
                               "--files", *files], cwd=repo, env=env, capture_output=True,
                              text=True)
        log = base / "cache" / "pre-commit.log"
        detail = proc.stdout + proc.stderr + (log.read_text() if log.exists() else "")
        if proc.returncode not in (0, 1) and OFFLINE.search(detail):
            pytest.skip("the hook's environment cannot be installed: the package registry "
                        "is not reachable")
        return proc

    return run


def test_the_hook_passes_on_a_clean_layout(hook_repo):
    proc = hook_repo("layouts/pod.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert re.search(r"^twin validate\.+Passed$", proc.stdout, re.M), proc.stdout


def test_the_hook_fails_on_a_broken_layout_with_its_findings(hook_repo):
    proc = hook_repo("layouts/pod.yaml", "layouts/hall.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert re.search(r"^twin validate\.+Failed$", proc.stdout, re.M), proc.stdout
    assert "layouts/hall.yaml:40:3: error P001 busway bw-a-r1-1" in proc.stdout
    assert "layouts/hall.yaml: 5 error(s)" in proc.stdout  # P003 twice: normal, and mv-b down


def test_the_hook_skips_yaml_outside_layouts(hook_repo):
    proc = hook_repo("notes/todo.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "(no files to check)Skipped" in proc.stdout
