"""No flag is dropped without a word: every option of every command, found by walking the
parsers, either adds up over repeats (a list) or refuses a second, different value (exit 2,
naming the option and both values). A new option is covered without editing this file."""
from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from twin import cli

ROOT = Path(__file__).resolve().parents[2]


def _parsers():
    """(words that reach the parser, parser) for the top-level parser and every subcommand's,
    nested ones (``catalog import``) included."""
    todo = [((), cli._parser())]
    while todo:
        words, parser = todo.pop(0)
        yield words, parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo += [((*words, name), sub) for name, sub in action.choices.items()]


def _options():
    """Every option that takes a value or is a switch, with the parser it belongs to."""
    for words, parser in _parsers():
        for action in parser._actions:
            if action.option_strings and not isinstance(
                    action, (argparse._HelpAction, argparse._VersionAction)):
                yield pytest.param(words, parser, action,
                                   id=" ".join(("twin", *words, action.option_strings[-1])))


def _values(action) -> tuple[str, str]:
    """Two different values the option accepts."""
    if action.choices:
        first, second = list(action.choices)[:2]
        return str(first), str(second)
    if action.type is int:
        return "1", "2"
    return "x1", "x2"


def _argv(words, parser, action, *repeats: str) -> list[str]:
    """A command line for ``parser`` with its positionals and required options filled in,
    then ``action``'s option once per value of ``repeats``."""
    argv = [*words]
    for other in parser._actions:
        if other is action or isinstance(other, argparse._SubParsersAction):
            continue
        if not other.option_strings:
            argv.append("x.yaml")
        elif other.required:
            argv += [other.option_strings[-1], _values(other)[0]]
    for value in repeats:
        argv += [action.option_strings[-1], value] if action.nargs != 0 else [value]
    return argv


@pytest.mark.parametrize(("words", "parser", "action"), list(_options()))
def test_a_repeated_option_adds_up_or_a_conflicting_one_is_refused(words, parser, action,
                                                                   capsys):
    flag = action.option_strings[-1]
    if action.nargs == 0:  # a switch: given twice it is on, as given once
        once = cli._parser().parse_args(_argv(words, parser, action, flag))
        twice = cli._parser().parse_args(_argv(words, parser, action, flag, flag))
        assert getattr(twice, action.dest) == getattr(once, action.dest) == action.const
        return
    first, second = _values(action)
    same = cli._parser().parse_args(_argv(words, parser, action, first, first))
    try:
        both = cli._parser().parse_args(_argv(words, parser, action, first, second))
    except SystemExit as exc:
        err = capsys.readouterr().err
        assert exc.code == 2, err
        assert (f"error: {'/'.join(action.option_strings)} given twice with different values: "
                f"{first} and {second}; give it once") in err
        assert str(getattr(same, action.dest)) == first  # the same value twice is fine
        return
    # Not refused: then the option is a list, and the repeats add up, each value once.
    assert getattr(both, action.dest) == [first, second], flag
    assert getattr(same, action.dest) == [first], flag


def test_comma_separated_lists_and_repeats_add_up_in_order_each_id_once():
    args = cli._parser().parse_args(["whatif", "x.yaml", "--fail", "util-a, ups-1,",
                                     "--fail", "util-b", "--fail", "util-a"])
    assert args.fail == ["util-a", "ups-1", "util-b"]
    args = cli._parser().parse_args(["capacity", "x.yaml", "--rack-type", "t", "--hall",
                                     "hall-1", "--hall", "hall-2,hall-1"])
    assert args.hall == ["hall-1", "hall-2"]


def test_folders_and_rack_specs_are_not_split_at_commas():
    args = cli._parser().parse_args(["validate", "x.yaml", "--include-root", "blocks,v2",
                                     "--include-root", "shared"])
    assert args.include_root == ["blocks,v2", "shared"]
    args = cli._parser().parse_args(["catalog", "import", "a.yaml", "--rack", "r1=a*2,b",
                                     "--rack", "r2=c"])
    assert args.rack == ["r1=a*2,b", "r2=c"]


def twin(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "twin", *args], capture_output=True,
                          text=True, cwd=cwd)


def test_catalog_format_before_and_after_import_must_agree():
    proc = twin("catalog", "--format", "json", "import", "a.yaml", "--rack", "r=a",
                "--format", "text")
    assert proc.returncode == 2
    assert ("twin: error: --format given twice with different values: json and text; "
            "give it once") in proc.stderr


def test_catalog_import_refuses_one_rack_name_built_two_ways_or_given_two_fractions():
    proc = twin("catalog", "import", "a.yaml", "--rack", "r1=a*2", "--rack", "r1=a*4")
    assert proc.returncode == 2
    assert ("--rack 'r1=a*2' and --rack 'r1=a*4' build two different rack types named 'r1'; "
            "give it once") in proc.stderr
    proc = twin("catalog", "import", "a.yaml", "--rack", "r1=a", "--liquid", "r1=0.8",
                "--liquid", "r1=0.5")
    assert proc.returncode == 2
    assert ("--liquid 'r1=0.8' and --liquid 'r1=0.5' give 'r1' two different fractions; "
            "give it once") in proc.stderr


#: The edge pod's plan (layouts/edge-pod.yaml) with one utility per side and no generator:
#: it survives either utility failing, not both.
TWO_UTILITIES = """\
twin: 1
site: {name: Edge pod on two utility services}
policy: {contingency: 1, power_factor: 0.95}
power:
  util-a: {kind: utility, capacity_kw: 500}
  util-b: {kind: utility, capacity_kw: 500}
  tx-a: {kind: transformer, rating_kva: 500, efficiency: 0.99, from: util-a}
  tx-b: {kind: transformer, rating_kva: 500, efficiency: 0.99, from: util-b}
  ats-a: {kind: switchgear, rating_a: 400, voltage_v: 480, phases: 3, from: tx-a}
  ats-b: {kind: switchgear, rating_a: 400, voltage_v: 480, phases: 3, from: tx-b}
  ups-a: {kind: ups, capacity_kw: 250, efficiency: 0.96, battery_min: 10, from: ats-a}
  ups-b: {kind: ups, capacity_kw: 250, efficiency: 0.96, battery_min: 10, from: ats-b}
  pdu-a: {kind: pdu, rating_kva: 225, efficiency: 0.989, from: ups-a}
  pdu-b: {kind: pdu, rating_kva: 225, efficiency: 0.989, from: ups-b}
  pnl-mech-a: {kind: panel, capacity_kw: 100, from: ats-a}
  pnl-mech-b: {kind: panel, capacity_kw: 100, from: ats-b}
cooling:
  irc-1: {kind: in-row, capacity_kw: 60, power_kw: 2.4, supply_c: 24, power: [pnl-mech-a, pnl-mech-b], to: chw}
  irc-2: {kind: in-row, capacity_kw: 60, power_kw: 2.4, supply_c: 24, power: [pnl-mech-a, pnl-mech-b], to: chw}
  irc-3: {kind: in-row, capacity_kw: 60, power_kw: 2.4, supply_c: 24, power: [pnl-mech-a, pnl-mech-b], to: chw}
  irc-4: {kind: in-row, capacity_kw: 60, power_kw: 2.4, supply_c: 24, power: [pnl-mech-a, pnl-mech-b], to: chw}
  chw: {kind: loop, failable: false, to: [ch-1, ch-2]}
  ch-1: {kind: chiller, capacity_kw: 211, cop: 2.9, power: [pnl-mech-a, pnl-mech-b]}
  ch-2: {kind: chiller, capacity_kw: 211, cop: 2.9, power: [pnl-mech-a, pnl-mech-b]}
space:
  pod-1: {area_m2: 40, floor_kg_m2: 1500, rows: {r1: 4, r2: 4}}
racks:
  h100-1: {type: hgx-h100-x4, hall: pod-1, row: r1, pos: 1, power: [pdu-a, pdu-b], cooling: [irc-1, irc-2, irc-3, irc-4]}
  h100-2: {type: hgx-h100-x4, hall: pod-1, row: r1, pos: 3, power: [pdu-a, pdu-b], cooling: [irc-1, irc-2, irc-3, irc-4]}
  h100-3: {type: hgx-h100-x4, hall: pod-1, row: r2, pos: 1, power: [pdu-a, pdu-b], cooling: [irc-1, irc-2, irc-3, irc-4]}
  h100-4: {type: hgx-h100-x4, hall: pod-1, row: r2, pos: 3, power: [pdu-a, pdu-b], cooling: [irc-1, irc-2, irc-3, irc-4]}
"""  # noqa: E501


def test_whatif_fails_every_repeated_fail_and_reports_the_grid_outage(tmp_path):
    pod = tmp_path / "two-utilities.yaml"
    pod.write_text(TWO_UTILITIES)
    clean = twin("validate", str(pod))
    assert clean.returncode == 0, clean.stdout + clean.stderr  # N-1 holds
    one = twin("whatif", str(pod), "--fail", "util-b")  # what the last --fail alone gives
    assert one.returncode == 0, one.stdout
    assert "racks down for power: none" in one.stdout
    both = twin("whatif", str(pod), "--fail", "util-a", "--fail", "util-b")
    assert both.returncode == 1, both.stdout + both.stderr
    out = both.stdout.splitlines()
    assert out[0] == f"{pod}: what if util-a, util-b fail"
    assert out[1].startswith("down: util-a, util-b, tx-a, tx-b, ats-a, ats-b, ")
    assert out[2] == "racks down for power: h100-1, h100-2, h100-3, h100-4"
    # the same failure set written with a comma gives the same answer
    assert twin("whatif", str(pod), "--fail", "util-a,util-b").stdout == both.stdout
