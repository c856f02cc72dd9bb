"""The example hall's KPIs, as `twin validate --format json` reports them, against a hand calculation."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HALL = ROOT / "layouts" / "gb300-hall.yaml"


def hand_calculation() -> dict:
    """layouts/gb300-hall.yaml by hand, following the load-flow rules step by step (kW),
    with the chillers and dry coolers at its 36 °C design ambient (docs/format.md,
    "Design conditions")."""
    racks, rack_kw = 40, 142.0
    it = racks * rack_kw                                   # 5,680
    liquid, air = it * 0.90, it * 0.10                     # 5,112 and 568

    # Rack-facing units: five 2,000 kW CDUs (12.24 kW at full load) share the liquid heat
    # equally; five 150 kW CRAHs (6 kW fans) share the air heat equally.
    cdu_draw = 12.24 * (liquid / 5) / 2000 * 5             # 31.28544
    crah_draw = 6.0 * (air / 5) / 150 * 5                  # 22.72
    # CDUs pass heat plus pump draw to the facility-water loop and on to five 2,000 kW
    # dry coolers (50 kW fans at full load). At the 36 °C design ambient a dry cooler
    # cannot make the 30 °C water the CDUs ask for (35 °C supply less 5 K): below
    # 36 + 6 K approach it holds nothing at the setpoint, so its fans run flat out.
    fws = liquid + cdu_draw                                # 5,143.28544
    assert fws / 5 < 2000 * (40 - 36) / 6                  # 1,028.7 < 1,333.3 at 40 °C
    dry_draw = 5 * 50.0                                    # 250
    # CRAHs pass heat plus fan draw to chilled water and two air-cooled chillers rated
    # COP 2.9 at AHRI 550/590 (6.67 °C water, 35 °C air). Carnot fraction with the
    # refrigerant 2 K below the water and 15 K above the air:
    # eta = 2.9 x (50 - 4.667) / (4.667 + 273.15); at 18 °C water and 36 °C air
    # COP = eta x (16 + 273.15) / (51 - 16), no free cooling (coil air 42 °C > 23.6 °C).
    eta = 2.9 * (35 + 15 - (44 - 32) / 1.8 + 2) / ((44 - 32) / 1.8 - 2 + 273.15)
    cop = eta * (18 - 2 + 273.15) / (36 + 15 - (18 - 2))   # 3.9094
    chw = air + crah_draw                                  # 590.72
    chiller_draw = chw / cop                               # 151.1
    cooling = cdu_draw + crah_draw + dry_draw + chiller_draw

    # Each rack splits 142 kW over its A and B busway: 71 kW per feed; five racks per
    # busway, two busways per row UPS: 710 kW out of each UPS, per side.
    ups_out = 2 * 5 * rack_kw / 2                          # 710
    ups_in = ups_out / 0.97
    tx_in = ups_in / 0.99                                  # 739.3524 per row transformer
    # Mechanical: CDU pumps via ups-ma/pnl-cdu (half per side), the rest via mcc (half).
    cdu_ups_in = (cdu_draw / 2) / 0.97
    mcc = (crah_draw + dry_draw + chiller_draw) / 2
    tx_m_in = (cdu_ups_in + mcc) / 0.99
    side = 4 * tx_in + tx_m_in                             # mv-a draws all from util-a
    facility = 2 * side
    losses = facility - it - cooling
    return {"it_kw": it, "facility_kw": facility, "pue": facility / it,
            "cooling_kw": cooling, "losses_kw": losses,
            "tokens_per_s": racks * 420_000.0,
            "tokens_per_s_per_mw": racks * 420_000.0 / (facility / 1000),
            "energy_usd_per_mtok": facility / 1000 * 80 / 3600 / (racks * 420_000.0 / 1e6)}


def test_hand_calculation_gives_the_expected_round_figures():
    hand = hand_calculation()
    assert hand["facility_kw"] == pytest.approx(6375.50, abs=0.01)
    assert hand["pue"] == pytest.approx(1.1224, abs=1e-4)


def test_validate_json_reports_the_hand_calculated_kpis():
    proc = subprocess.run([sys.executable, "-m", "twin", "validate", str(HALL), "--format", "json"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (report,) = json.loads(proc.stdout)["layouts"]
    assert report["ok"] is True
    assert report["findings"] == []
    for name, value in hand_calculation().items():
        assert report["kpis"][name] == pytest.approx(value, rel=1e-9), name
