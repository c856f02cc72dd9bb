"""The pre-commit snippets in README.md and docs/ci.md name a revision that exists.

pre-commit checks the snippet's ``rev`` out of a clone of twin: a tag that was never made
(``v0.1.0`` once) fails there with "pathspec did not match". So the ``rev`` of every
snippet must be a commit of this repository whose ``.pre-commit-hooks.yaml`` has the
snippet's hook, a ``# frozen:`` comment must name that same commit, and the hook must
still be in the working tree's ``.pre-commit-hooks.yaml``.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("README.md", "docs/ci.md")
#: A `repos:` snippet: its rev line (with an optional comment) and its hook ids.
SNIPPET = re.compile(r"^```yaml\nrepos:\n(?P<body>.*?)^```", re.S | re.M)
REV = re.compile(r"^\s+rev:\s*(?P<rev>[^\s#]+)\s*(?:#\s*frozen:\s*(?P<frozen>\S+))?", re.M)
HOOK = re.compile(r"^\s+- id:\s*(?P<id>\S+)", re.M)


def _snippets():
    for name in DOCS:
        text = (ROOT / name).read_text(encoding="utf-8")
        found = [m["body"] for m in SNIPPET.finditer(text)]
        assert found, f"{name}: no pre-commit snippet (a ```yaml block starting `repos:`)"
        for body in found:
            rev = REV.search(body)
            assert rev is not None, f"{name}: the snippet has no `rev:`\n{body}"
            yield pytest.param(rev["rev"], rev["frozen"], HOOK.findall(body), id=name)


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)


def _commit(rev: str) -> str | None:
    """The full hash of the commit ``rev`` names here, None when this clone has none."""
    proc = _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    return proc.stdout.strip() if proc.returncode == 0 else None


def _hook_ids(text: str) -> list[str]:
    return [hook["id"] for hook in yaml.safe_load(text)]


@pytest.fixture(scope="module")
def git_checkout():
    if shutil.which("git") is None:
        pytest.skip("git is not installed: the pinned revision cannot be looked up")
    if _git("rev-parse", "--git-dir").returncode != 0:
        pytest.skip("this copy of twin is not a git checkout: the pinned revision cannot be "
                    "looked up")


@pytest.mark.parametrize(("rev", "frozen", "hooks"), list(_snippets()))
def test_the_snippet_hook_is_in_the_hooks_file(rev, frozen, hooks):
    assert hooks, "the snippet names no hook"
    offered = _hook_ids((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert set(hooks) <= set(offered), f"hooks {hooks}, .pre-commit-hooks.yaml has {offered}"


@pytest.mark.parametrize(("rev", "frozen", "hooks"), list(_snippets()))
def test_the_snippet_rev_is_a_commit_here_that_has_the_hook(git_checkout, rev, frozen, hooks):
    if frozen is not None:  # a frozen rev is a full hash, as `autoupdate --freeze` writes
        assert re.fullmatch(r"[0-9a-f]{40}", rev), f"rev {rev!r}: not a full commit hash"
    if _git("cat-file", "-e", f"{rev}^{{commit}}").returncode != 0:
        if _git("rev-parse", "--is-shallow-repository").stdout.strip() == "true":
            pytest.skip(f"this clone is shallow and does not have {rev}: fetch the whole "
                        "history (git fetch --unshallow) to check the pinned revision")
        pytest.fail(f"rev {rev!r} is not a commit of this repository: pre-commit cannot "
                    "check it out")
    commit = _commit(rev)
    if frozen is not None:
        assert _commit(frozen) == commit, f"# frozen: {frozen} does not name {rev}"
    hooks_file = _git("show", f"{commit}:.pre-commit-hooks.yaml")
    assert hooks_file.returncode == 0, f"{rev} has no .pre-commit-hooks.yaml"
    assert set(hooks) <= set(_hook_ids(hooks_file.stdout)), f"{rev} lacks a hook of {hooks}"
