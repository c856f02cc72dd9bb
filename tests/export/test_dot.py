"""Graphviz export: one DOT file, a power and a cooling cluster, every link an edge."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

import twin
from twin.export.dot import dot

ROOT = Path(__file__).resolve().parents[2]
HALL = "layouts/gb300-hall.yaml"
pydot = pytest.importorskip("pydot", reason="pydot is not installed: pip install '.[test]'")


def test_dot_of_the_example_hall_parses_with_every_node_and_edge(tmp_path):
    out = tmp_path / "hall.dot"
    proc = subprocess.run([sys.executable, "-m", "twin", "export", HALL, "--dot", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    (graph,) = pydot.graph_from_dot_data(out.read_text())
    clusters = {g.get_name(): g for g in graph.get_subgraphs()}
    assert sorted(clusters) == ["cluster_cooling", "cluster_power"]
    layout = twin.load(HALL).layout
    names = lambda g: {n.get_name().strip('"') for n in g.get_nodes()}  # noqa: E731
    assert names(clusters["cluster_power"]) == {c.id for c in layout.power}
    assert names(clusters["cluster_cooling"]) == {u.id for u in layout.cooling}
    assert names(graph) - {"node", "edge", "graph"} == {r.id for r in layout.racks}
    edges = {(e.get_source().strip('"'), e.get_destination().strip('"'))
             for g in (graph, *clusters.values()) for e in g.get_edges()}
    expected = {(s, c.id) for c in layout.power for s in c.sources}
    expected |= {(u.id, t) for u in layout.cooling for t in u.to}
    expected |= {(p, r.id) for r in layout.racks for p in r.power}
    expected |= {(r.id, u) for r in layout.racks for u in r.cooling}
    expected |= {(p, u.id) for u in layout.cooling for p in u.power}
    assert edges == expected


def test_ids_are_quoted():
    # A layout file cannot give an id a `"` any more (the id grammar, docs/format.md); the
    # export still escapes one, in a model built in Python.
    layout = twin.load_bytes("twin: 1\npower:\n  ab: {kind: utility, capacity_kw: 10}\n",
                             "q.yaml").layout
    layout = dataclasses.replace(layout, power=(dataclasses.replace(layout.power[0], id='a"b'),))
    text = dot(layout)
    assert '"a\\"b" [shape=box' in text
