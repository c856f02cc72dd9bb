"""The house rules of docs/architecture.md, kept by tests: arrows point one way, no cycles."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "twin"

#: The pipeline, earliest first. A module may import its own stage or an earlier one.
STAGES = ("core", "layout", "physics", "checks", "questions", "reporters", "export", "api",
          "cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def stage_of(module: str) -> str | None:
    """The stage of ``twin.X...``: its first folder, or the module itself (core, api)."""
    parts = module.split(".")
    if parts[0] != "twin":
        return None
    if len(parts) == 1 or parts[1] in ("__main__",):
        return "cli"  # the package's face: twin/__init__.py re-exports the API, -m runs cli
    return parts[1] if parts[1] in STAGES else None


def imports_of(path: Path) -> list[tuple[str, int]]:
    """Every twin module a file imports (top-level or inside functions), with the line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.startswith("twin")]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("twin"):
            for a in node.names:
                # `from twin.layout import loader` imports the module twin.layout.loader
                sub = f"{node.module}.{a.name}"
                found.append((sub if (PACKAGE / sub.replace("twin.", "", 1).replace(".", "/")
                                      ).with_suffix(".py").exists()
                              or (PACKAGE / sub.replace("twin.", "", 1).replace(".", "/")
                                  ).is_dir() else node.module, node.lineno))
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_belongs_to_a_stage():
    lost = [module_name(p) for p in MODULES if stage_of(module_name(p)) is None]
    assert lost == [], f"modules outside the pipeline folders: {lost}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_arrows_point_only_to_earlier_stages(path):
    me = module_name(path)
    mine = STAGES.index(stage_of(me))
    forward = []
    for target, line in imports_of(path):
        stage = stage_of(target)
        if stage is not None and STAGES.index(stage) > mine:
            forward.append(f"{path.relative_to(ROOT)}:{line}: {me} ({stage_of(me)}) imports "
                           f"{target} ({stage})")
    assert forward == []


def test_no_import_cycles_between_modules():
    graph = nx.DiGraph()
    for path in MODULES:
        me = module_name(path)
        graph.add_node(me)
        for target, _ in imports_of(path):
            if target != me and not me.startswith(target + "."):  # a package's own __init__
                graph.add_edge(me, target)
    cycles = sorted(sorted(c) for c in nx.simple_cycles(graph) if len(c) > 1)
    assert cycles == []


def test_a_forward_import_is_caught(tmp_path):
    # the test above can fail: a layout module that imports a reporter is flagged
    bad = PACKAGE / "layout" / "loader.py"
    stage = stage_of("twin.reporters.text_reporter")
    assert STAGES.index(stage) > STAGES.index(stage_of(module_name(bad)))
