""""did you mean" on a reference to no id (L006): look-alikes, kind, neighbours, ties."""
from __future__ import annotations

import re
import textwrap

from hypothesis import assume, given, settings
from hypothesis import strategies as st

import twin
from twin.core import LOOK_ALIKE, LOOK_ALIKE_PAIRS, did_you_mean, typo_cost


def hints(text: str) -> list[str]:
    """The "did you mean" part of every L006 message, in order ('' when there is none)."""
    loaded = twin.load_bytes(textwrap.dedent(text), "t.yaml")
    out = []
    for f in loaded.findings:
        assert f.code == "L006", f
        m = re.search(r"\(did you mean (.*)\?\)", f.message)
        out.append(m.group(1) if m else "")
    return out


PDUS = textwrap.dedent("""\
    twin: 1
    power:
      grid: {kind: utility, capacity_kw: 5000}
      pdu-a1: {kind: pdu, capacity_kw: 500, from: grid}
      pdu-a2: {kind: pdu, capacity_kw: 500, from: grid}
      pdu-a3: {kind: pdu, capacity_kw: 500, from: grid}
      pdu-b1: {kind: pdu, capacity_kw: 500, from: grid}
      pdu-b2: {kind: pdu, capacity_kw: 500, from: grid}
      pdu-b3: {kind: pdu, capacity_kw: 500, from: grid}
      pdu-b4: {kind: pdu, capacity_kw: 500, from: grid}
    cooling:
      crah-1: {kind: crah, capacity_kw: 1000, to: external}
    racks:
""")


def test_pdu_bl_is_pdu_b1_not_pdu_b4():
    # the case: difflib scores pdu-b1 .. pdu-b4 alike and took the last; l for 1
    # is a look-alike (0.25 of an edit), 4 for l a plain substitution (1)
    assert hints(PDUS + "  r1: {it_kw: 10, power: [pdu-a1, pdu-bl], cooling: crah-1}\n") == [
        "'pdu-b1'"]
    assert typo_cost("pdu-bl", "pdu-b1") == 0.25 and typo_cost("pdu-bl", "pdu-b4") == 1.0


def test_letter_o_for_zero():
    text = """\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 5000}
          ups-01: {kind: ups, capacity_kw: 500, from: grid}
          ups-02: {kind: ups, capacity_kw: 500, from: grid}
          ups-03: {kind: ups, capacity_kw: 500, from: grid}
          pdu-1: {kind: pdu, capacity_kw: 500, from: ups-O2}
    """
    assert hints(text) == ["'ups-02'"]


def test_rn_reads_as_m():
    assert did_you_mean("pdu-rnain", ["pdu-main", "pdu-rain"]) == " (did you mean 'pdu-main'?)"


def test_a_rack_cooling_prefers_a_rack_facing_unit():
    # cdu-1 (a CDU) and cdu-l (a loop) are both one look-alike from 'cdu-I'; a rack's
    # cooling takes a rack-facing unit, so the CDU is named. A `to:` takes heat on: the loop.
    text = """\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 5000}
        cooling:
          cdu-1: {kind: cdu, capacity_kw: 1000, to: dry}
          cdu-2: {kind: cdu, capacity_kw: 1000, to: cdu-I}
          cdu-l: {kind: loop, to: dry}
          dry: {kind: dry-cooler, capacity_kw: 2000}
        racks:
          r1: {it_kw: 10, liquid_fraction: 1, power: grid, cooling: cdu-I}
    """
    assert hints(text) == ["'cdu-l'", "'cdu-1'"]
    # without a kind to prefer, the two tie and both are named
    assert did_you_mean("cdu-I", ["cdu-1", "cdu-l"]) == " (did you mean 'cdu-1' or 'cdu-l'?)"


def test_neighbours_break_a_tie_by_their_pattern():
    # pdu-bx is one plain substitution from every pdu-b*; r1 and r3 use pdu-a1/pdu-b1 and
    # pdu-a3/pdu-b3, so r2 on pdu-a2 is on pdu-b2 (the change pdu-a1 -> pdu-a2 turns pdu-b1
    # into pdu-b2; pdu-a3 -> pdu-a2 turns pdu-b3 into pdu-b2)
    text = PDUS + textwrap.indent(textwrap.dedent("""\
        r1: {it_kw: 10, power: [pdu-a1, pdu-b1], cooling: crah-1}
        r2: {it_kw: 10, power: [pdu-a2, pdu-bx], cooling: crah-1}
        r3: {it_kw: 10, power: [pdu-a3, pdu-b3], cooling: crah-1}
    """), "  ")
    assert hints(text) == ["'pdu-b2'"]


def test_neighbours_that_share_the_feeds_name_them():
    # every rack of the row on pdu-a1/pdu-b1: the neighbours name pdu-b1
    text = PDUS + textwrap.indent(textwrap.dedent("""\
        r1: {it_kw: 10, power: [pdu-a1, pdu-b1], cooling: crah-1}
        r2: {it_kw: 10, power: [pdu-a1, pdu-bx], cooling: crah-1}
        r3: {it_kw: 10, power: [pdu-a1, pdu-b1], cooling: crah-1}
    """), "  ")
    assert hints(text) == ["'pdu-b1'"]


def test_a_true_tie_names_both():
    text = """\
        twin: 1
        power:
          grid: {kind: utility, capacity_kw: 5000}
          pdu-b1: {kind: pdu, capacity_kw: 500, from: grid}
          pdu-b4: {kind: pdu, capacity_kw: 500, from: grid}
        cooling:
          crah-1: {kind: crah, capacity_kw: 1000, to: external}
        racks:
          r1: {it_kw: 10, power: pdu-bx, cooling: crah-1}
    """
    assert hints(text) == ["'pdu-b1' or 'pdu-b4'"]
    assert did_you_mean("pdu-bx", ["pdu-b1", "pdu-b2", "pdu-b3", "pdu-b4", "pdu-b5"]) == (
        " (did you mean 'pdu-b1', 'pdu-b2', 'pdu-b3' or 2 others?)")


def test_an_id_listed_already_in_the_field_is_not_suggested():
    # pdu-a1 is one look-alike from pdu-al, but r1 lists it already (it would be L004);
    # pdu-a2 and pdu-a3 are one substitution away each and nothing tells them apart
    assert hints(PDUS + "  r1: {it_kw: 10, power: [pdu-a1, pdu-al], cooling: crah-1}\n") == [
        "'pdu-a2' or 'pdu-a3'"]


def test_nothing_close_gives_no_hint():
    assert hints(PDUS + "  r1: {it_kw: 10, power: zzzzzz, cooling: crah-1}\n") == [""]


_ID = st.text(alphabet="abcdefghijkmnpqrtwxyz0123456789-", min_size=3, max_size=12)


@st.composite
def look_alike_typo(draw):
    """A set of ids, one of them, and a copy of it with one look-alike substituted."""
    ids = draw(st.lists(_ID, min_size=1, max_size=12, unique=True))
    target = draw(st.sampled_from(ids))
    swaps = [(i, 1, other) for i, ch in enumerate(target) for group in LOOK_ALIKE
             if ch in group for other in group if other != ch]
    swaps += [(i, len(a), b) for a, b in LOOK_ALIKE_PAIRS for pair in ((a, b), (b, a))
              for i in range(len(target)) if target.startswith(pair[0], i)
              for a, b in (pair,)]
    assume(swaps)
    i, n, other = draw(st.sampled_from(swaps))
    return ids, target, target[:i] + other + target[i + n:]


@settings(max_examples=300, deadline=None)
@given(look_alike_typo())
def test_a_single_look_alike_substitution_suggests_the_id(case):
    ids, target, typo = case
    assume(typo not in ids)
    # no other id as close (then naming both is right; the tie test covers it)
    assume(all(typo_cost(typo, other) > 0.25 for other in ids if other != target))
    assert did_you_mean(typo, ids) == f" (did you mean {target!r}?)"


_TYPO = st.text(alphabet="abrnmvwlcd1I0O-_", max_size=8)


@settings(max_examples=300, deadline=None)
@given(_TYPO, _TYPO, st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.0]))
def test_a_bounded_cost_is_the_cost_or_over_the_bound(typed, name, bound):
    # the bound only stops the computation early; it never changes a cost within it
    full = typo_cost(typed, name)
    got = typo_cost(typed, name, bound)
    assert got == full if full <= bound else got > bound
