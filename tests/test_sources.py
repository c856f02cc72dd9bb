"""Sources stay inside the repository: every ``[S12]`` citation resolves to an entry of
docs/sources.md, every entry says where and when, and nothing cites the figure sheet the
project used before docs/sources.md existed (an outside file no reader can open)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "docs" / "sources.md"
CITATION = re.compile(r"\[S(\d+)\]")
ANCHOR = re.compile(r'<a id="S(\d+)"></a>')
#: The outside sheet by file name, or a citation of one of its sections ("<NAME> 8.3").
OUTSIDE = re.compile("DOM" + r"AIN(\.md| \d)")


def tracked_texts() -> dict[str, str]:
    try:
        names = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                               check=True).stdout.decode().split("\0")
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    out = {}
    for name in filter(None, names):
        path = ROOT / name
        if not path.is_file():
            continue
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        out[name] = data.decode("utf-8", errors="replace")
    return out


def defined_ids() -> list[int]:
    return [int(n) for n in ANCHOR.findall(SOURCES.read_text(encoding="utf-8"))]


def test_every_citation_resolves_to_an_entry_of_docs_sources_md():
    defined = set(defined_ids())
    unresolved = []
    for name, text in tracked_texts().items():
        for number, line in ((m.group(1), text.count("\n", 0, m.start()) + 1)
                             for m in CITATION.finditer(text)):
            if int(number) not in defined:
                unresolved.append(f"{name}:{line}: [S{number}]")
    assert unresolved == []


def test_citations_are_used_in_code_layouts_and_docs():
    cited = {name for name, text in tracked_texts().items() if CITATION.search(text)}
    for name in ("twin/layout/catalog.py", "layouts/edge-pod.yaml", "layouts/campus-1gw.yaml",
                 "docs/report.md", "docs/usd.md"):
        assert name in cited


def test_every_entry_is_defined_once_and_says_where_and_when():
    ids = defined_ids()
    assert len(ids) == len(set(ids)) and ids == sorted(ids)
    text = SOURCES.read_text(encoding="utf-8")
    entries = re.split(r'<a id="S\d+"></a>', text.split("## Not found")[0])[1:]
    assert len(entries) == len(ids)
    for number, entry in zip(ids, entries):
        assert f"**[S{number}]**" in entry
        assert "<https://" in entry or "not recorded" in entry, f"[S{number}] has no address"
        assert re.search(r"accessed 2026-12|\b(19|20)\d\d\b", entry), f"[S{number}] has no date"
        assert re.search(r"\[(V|S|B|E|D|U)(/(V|S|B|E|D|U))?\]", entry), f"[S{number}] no tag"
    assert "docs/simulate.md" in text and '"Sources"' in text  # where the thermal model's are


def test_nothing_cites_a_figure_sheet_outside_the_repository():
    found = [f"{name}:{text.count(chr(10), 0, m.start()) + 1}"
             for name, text in tracked_texts().items() for m in OUTSIDE.finditer(text)]
    assert found == []
