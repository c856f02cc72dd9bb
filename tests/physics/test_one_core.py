"""One physics core: no module outside twin/physics/ decides what is live, how load splits or
what a limit is; the reference evaluator of the tests stays an independent second opinion.

The names below are the physics' own rules and their private accelerator. A module
outside ``twin/physics/`` that uses one is re-deriving a rule (or reaching into the
engine) instead of asking physics; the code is read as Python tokens, so prose in
docstrings and comments may still talk about them.
"""
from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TWIN = ROOT / "twin"
PHYSICS = TWIN / "physics"

#: name -> what using it outside physics/ would mean
RULES = {
    "_engine": "importing the private incremental engine",
    "Engine": "building the incremental engine",
    "shares": "splitting heat over units by capacity (flow rules 3-4)",
    "_shares": "splitting heat over units by capacity (flow rules 3-4)",
    "unit_draw_kw": "a cooling unit's draw (flow rule 4)",
    "_unit_draw_kw": "a cooling unit's draw (flow rule 4)",
    "topological_order": "ordering the graph for evaluation",
    "power_is_source": "what is live by itself (flow rule 1)",
    "is_source": "what is live by itself (flow rule 1)",
    "power_sources": "liveness and routing along `from:` (flow rules 1, 5)",
    "power_share": "share or transfer routing (flow rule 5)",
    "power_efficiency": "losses up the power chain (flow rule 5)",
    "cooling_feeds": "unit effectiveness and draw splitting (flow rules 2, 4)",
    "cooling_to": "unit effectiveness and heat pass-on (flow rules 2, 4)",
    "rack_feeds": "rack liveness and load split (flow rule 3)",
    "rack_min_feeds": "rack liveness (flow rule 3)",
    "rack_liquid_units": "where a rack's heat goes (flow rule 3)",
    "rack_air_units": "where a rack's heat goes (flow rule 3)",
    "max_utilization_of": "a normal-operation limit (use twin.physics.limits)",
    "failover_utilization_of": "a failover limit (use twin.physics.limits)",
}

#: The few places outside physics/ that may name one, and why.
ALLOWED = {
    ("layout/model.py", "max_utilization_of"): "the policy record defines its lookup",
    ("layout/model.py", "failover_utilization_of"): "the policy record defines its lookup",
    ("layout/model.py", "is_source"): "the component record defines which kinds are sources",
    ("export/netbox.py", "max_utilization_of"): "writes the policy figure out, compares no load",
}


def _names(path: Path) -> list[tuple[int, str, str]]:
    """(line, name, next token) of every name in the code of ``path`` (strings and comments
    are other tokens)."""
    tokens = [t for t in tokenize.generate_tokens(io.StringIO(path.read_text("utf-8")).readline)
              if t.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT)]
    return [(t.start[0], t.string, nxt.string)
            for t, nxt in zip(tokens, [*tokens[1:], tokens[-1]], strict=True)
            if t.type == tokenize.NAME]


def _outside_physics() -> list[Path]:
    return sorted(p for p in TWIN.rglob("*.py") if PHYSICS not in p.parents)


def test_no_module_outside_physics_decides_liveness_splits_or_limits():
    found = []
    for path in _outside_physics():
        rel = path.relative_to(TWIN).as_posix()
        for line, name, nxt in _names(path):
            if name not in RULES or (rel, name) in ALLOWED:
                continue
            if name == "Engine" and nxt != "(":
                continue
            found.append(f"twin/{rel}:{line}: {name}: {RULES[name]}")
    assert not found, "ask twin.physics instead:\n" + "\n".join(found)


def test_the_names_are_physics_own():
    # the list means something only while physics really uses these names
    used = {name for p in PHYSICS.rglob("*.py") for _, name, _ in _names(p)}
    used |= {name for p in (TWIN / "layout" / "model.py",) for _, name, _ in _names(p)}
    assert set(RULES) <= used, sorted(set(RULES) - used)


@pytest.mark.parametrize("rel", ["questions/simulate.py", "questions/capacity.py",
                                 "questions/floorplan.py", "questions/whatif.py",
                                 "questions/headroom.py", "checks/resilience.py"])
def test_the_questions_ask_physics_for_limits(rel):
    names = {name for _, name, _ in _names(TWIN / rel)}
    assert "limits" in names or names & {"power_limit_kw", "cooling_limit_kw", "limit_kw",
                                         "failover_limit", "normal_limit"}, rel


def test_the_reference_evaluator_shares_no_code_with_twin():
    path = ROOT / "tests" / "reference_evaluator.py"
    imported = set()
    tokens = [t.string for t in tokenize.generate_tokens(io.StringIO(
        path.read_text("utf-8")).readline) if t.type == tokenize.NAME]
    for a, b in zip(tokens, tokens[1:], strict=False):
        if a in ("import", "from"):
            imported.add(b)
    assert imported and not any(m == "twin" or m.startswith("twin.") for m in imported), imported
