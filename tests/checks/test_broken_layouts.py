"""The broken example layouts through the command line: exit 1 and exactly the findings meant.

Each file under tests/layouts/broken/ is derived from an example layout and says at its
top what was broken; the expected (code, line) pairs below follow from those comments.
"""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROKEN = Path("tests/layouts/broken")
LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):(?P<col>\d+): "
                  r"(?P<sev>error|warning|info) (?P<code>[A-Z]\d{3}) (?P<msg>.+)$")


def diagnostics(out: str) -> list[str]:
    """The finding lines, without the indented related-location lines under R001/R003."""
    return [line for line in out.splitlines() if not line.startswith("  ")]

EXPECTED = {
    "hall-power-overload.yaml": {
        ("P004", 24),                   # gen-a1: 8 h of fuel
        ("P003", 36),                   # ups-a2: 4.2 min of battery at its load
        ("P001", 40), ("R002", 40),     # bw-a-r1-1 derated to 600 A
    },
    "hall-cooling-short.yaml": {
        ("C002", 86),                   # cdu-1 flow_lpm
        ("C003", 87),                   # cdu-2 supply_c 46 > 45
        ("C001", 91), ("R004", 91),     # fws capacity 5,000 kW
        ("R004", 98), ("C003", 98),     # crah-1: N+1 short; supply_c 28 > 27
        ("R004", 99), ("R004", 100), ("R004", 101), ("R004", 102),  # crah-2 .. crah-5
        ("C004", 189),                  # r4-10 has no air unit
    },
    "hall-single-path.yaml": {
        ("R001", 27), ("R003", 27),     # mv-a: r1-01 down, CRAHs without power
        ("R001", 29),                   # tx-a1
        ("R001", 34),                   # ups-a1
        ("R001", 39),                   # bw-a-r1-1
        ("R003", 48),                   # tx-ma
        ("R003", 51),                   # mcc-a
        ("R003", 86),                   # fws
    },
    "hall-space.yaml": {
        ("S001", 106),                  # r1-02 at r1-01's position
        ("S002", 124),                  # r2-01 at 1,700 kg
        ("S003", 144),                  # r3-01 at position 13 of 12
    },
    "hall-layout-errors.yaml": {
        ("L009", 11),                   # twin: 2
        ("L002", 22),                   # contingncy
        ("L003", 28),                   # gen-a2 without capacity
        ("L006", 34),                   # tx-a2 from mv-c
        ("L004", 38),                   # ups-a1 efficiency 1.07
        ("L007", 45),                   # bw-a-r2-1 kind busbar
        ("L005", 87),                   # cdu-3 repeats power_kw
        ("L005", 128),                  # rack id cdu-1
        ("L008", 131),                  # r2-01 cooled by the fws loop
    },
    "pod-topology.yaml": {
        ("T002", 21),                   # gen-2 feeds nothing
        ("T001", 26),                   # ups-a <-> pdu-a
        ("T002", 43),                   # ch-3 takes no heat
    },
    "pod-invalid-yaml.yaml": {
        ("L001", 17),                   # tx's flow mapping never closed
    },
    "pod-n2.yaml": {
        ("R001", 24),                   # util + gen
        ("R001", 25),                   # tx + gen
        ("R001", 28), ("R003", 28),     # ats-a + (ats-b | pdu-b | ups-b), + pnl-mech-b
        ("R001", 29), ("R003", 29),     # ats-b + (pdu-a | ups-a), + pnl-mech-a
        ("R001", 31),                   # ups-a + (pdu-b | ups-b)
        ("R001", 32),                   # ups-b + pdu-a
        ("R001", 34),                   # pdu-a + pdu-b
        ("R003", 37),                   # pnl-mech-a + pnl-mech-b
        ("R004", 41), ("R004", 42), ("R004", 43), ("R004", 44),  # irc-1 .. irc-4
        ("R003", 45),                   # chw alone
        ("R003", 46),                   # ch-1 + ch-2
    },
}


def validate(path: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "twin", "validate", path],
                          capture_output=True, text=True, cwd=ROOT)


def test_every_broken_layout_has_expectations():
    assert sorted(p.name for p in (ROOT / BROKEN).glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_layout_exits_1_with_exactly_its_findings(name):
    path = str(BROKEN / name)
    proc = validate(path)
    assert proc.returncode == 1, proc.stderr
    parsed = [LINE.match(line) for line in diagnostics(proc.stdout)]
    assert all(parsed), proc.stdout
    assert {m["file"] for m in parsed} == {path}
    assert {(m["code"], int(m["line"])) for m in parsed} == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_layout_says_what_is_broken(name):
    first = (ROOT / BROKEN / name).read_text().splitlines()[0]
    assert first.startswith("# Broken on purpose:")


def test_pod_n2_counts_pairs_only_once_per_rack():
    # chw alone takes all cooling away, so no pair containing chw is reported.
    proc = validate(str(BROKEN / "pod-n2.yaml"))
    messages = [LINE.match(line)["msg"] for line in diagnostics(proc.stdout)]
    assert not any("chw and" in m or "and chw" in m for m in messages)
    assert sum("when chw fails" in m for m in messages) == 1


@pytest.mark.parametrize("path", sorted(str(p.relative_to(ROOT))
                                        for p in (ROOT / "layouts").glob("*.yaml")))
def test_example_layouts_exit_0_with_nothing_on_stdout(path):
    proc = validate(path)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == ""
