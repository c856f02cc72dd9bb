"""Loader decisions beyond the letter of the format: each pinned by a small layout."""
from __future__ import annotations

import textwrap

import pytest

import twin
from twin.physics.flow import compile_network, evaluate


def findings(text: str):
    return [(f.code, f.line) for f in twin.load_bytes(textwrap.dedent(text)).findings]


def test_rack_type_without_it_kw_is_l003_not_a_silently_dropped_rack():
    assert findings("""\
        twin: 1
        catalog: {rack_types: {half: {liquid_fraction: 0.5}}}
        racks:
          r1: {type: half}
        """) == [("L003", 4)]


def test_empty_from_list_is_l003():
    assert findings("""\
        twin: 1
        power:
          u: {kind: utility, capacity_kw: 100}
          p: {kind: pdu, capacity_kw: 100, from: []}
        racks:
          r1: {it_kw: 1, power: [p, u]}
        """) == [("L003", 4)]


def test_a_reference_listed_twice_is_l004_at_the_second():
    assert findings("""\
        twin: 1
        power:
          u: {kind: utility, capacity_kw: 100}
          p: {kind: pdu, capacity_kw: 100, from: u}
        racks:
          r1:
            it_kw: 1
            power:
              - p
              - p
        """) == [("L004", 10)]


def test_exponent_numbers_are_numbers_in_number_fields():
    loaded = twin.load_bytes("twin: 1\npower:\n  u: {kind: utility, capacity_kw: 1e3}\n")
    assert loaded.findings == ()
    assert loaded.layout.power[0].capacity_kw == 1000.0


# SPEC section 3: the draw is `power_kw × Q / capacity_kw` when `power_kw` is given, so a
# chiller written with `power_kw: 0` draws nothing; only one without it draws Q / cop.
@pytest.mark.parametrize("power_kw, draw", [("", 25.0), (", power_kw: 0", 0.0),
                                             (", power_kw: 10", 5.0)])
def test_chiller_draws_q_over_cop_only_without_power_kw(power_kw, draw):
    text = textwrap.dedent(f"""\
        twin: 1
        power:
          u: {{kind: utility, capacity_kw: 1000}}
        cooling:
          crah: {{kind: crah, capacity_kw: 100, to: ch}}
          ch: {{kind: chiller, capacity_kw: 200, cop: 4, power: u{power_kw}}}
        racks:
          r1: {{it_kw: 100, power: u, cooling: crah}}
        """)
    loaded = twin.load_bytes(text)
    assert loaded.findings == ()
    net = compile_network(loaded.layout)
    # the chiller takes 100 kW: 100 / 4 = 25 kW without power_kw; 10 x 100/200 = 5 kW with 10
    assert evaluate(net).cooling_draw_kw[1] == pytest.approx(draw)


def test_whatif_lists_failed_ids_in_file_order_even_with_cooling_written_first():
    text = textwrap.dedent("""\
        twin: 1
        cooling:
          crah: {kind: crac, capacity_kw: 100}
        power:
          u: {kind: utility, capacity_kw: 1000}
        racks:
          r1: {it_kw: 10, power: u, cooling: crah}
        """)
    result = twin.whatif(twin.load_bytes(text), ["u", "crah"])
    assert result.failed == ("crah", "u")
