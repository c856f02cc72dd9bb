"""Built-in rack catalog: sourced equipment figures for the rack types a layout can name."""
from __future__ import annotations

import dataclasses

from twin.layout.model import RackType

# Every figure is cited field by field in `sources`: (field, tag, citation), the citation
# naming entries of docs/sources.md ([S9]). Tags say how solid a figure is: V vendor,
# S standard or spec, B benchmark, E third-party estimate, D derived here (arithmetic in
# a comment), U unverified; n/a marks a field no check reads for the type (liquid fields
# of an air-only rack, the air inlet of an all-liquid rack). Every field a check reads is
# given and cited (tests/layout/test_catalog_sources.py). Footprints: NVL72 (MGX 48U)
# racks are 600 x 1068 mm = 0.600 m x 1.068 m = 0.6408 m2; EIA racks use the
# 600 x 1200 mm default, 0.72 m2. Air inlet: the ASHRAE recommended 27 C [S24] for every
# type with air heat (vendor allowable ranges are wider), the same as the policy default.

_ASHRAE_INLET = ("max_inlet_c", "S", "ASHRAE TC 9.9 recommended inlet, 18-27 C [S24]")
_RECT = ("footprint_m2", "E", "600 x 1200 mm: a 600 mm EIA-310 cabinet [S40], 1,200 mm deep "
         "(common deep cabinet) = 0.72 m2, the catalog default")
_NO_LIQUID = "no liquid heat (liquid_fraction 0): C002/C003 never read it"

BUILTIN_RACK_TYPES: tuple[RackType, ...] = (
    RackType(
        name="gb200-nvl72",
        # Design 132 kW from vendor reference designs; NVIDIA nameplate is about 120 kW.
        it_kw=132.0,
        liquid_fraction=0.85,
        weight_kg=1360.0,
        footprint_m2=0.6408,
        # OCP MGX spec: 130 LPM for a 120 kW rack with 85 % to liquid:
        # 120 x 0.85 = 102 kW of liquid heat; 130 / 102 = 1.27 LPM per kW.
        flow_lpm_per_kw=1.27,
        # W45: no GB200-specific limit is published (docs/sources.md, Not found); the W45
        # bound of the same MGX rack generation (GB300, Lenovo LP2357) [S9][S24] [E].
        max_supply_c=45.0,
        max_inlet_c=27.0,
        tokens_per_s=865000.0,
        # Typical: the NVIDIA nameplate, 120 kW; the 132 kW design is the reference designs'
        # figure (8 x 33 kW shelves N+N = 132 kW usable).
        typical_kw=120.0,
        price_usd=3.0e6,
        description=(
            "NVIDIA GB200 NVL72: 72 Blackwell GPUs and 36 Grace CPUs in one MGX 48U "
            "liquid-cooled rack; 132 kW design (120 kW nameplate), 85 % of heat to liquid, "
            "8 x 33 kW power shelves N+N"
        ),
        status="shipping",
        source=(
            "NVIDIA DGX GB Rack Scale Systems User Guide p.17 (120 kW) [S1]; Supermicro/Vertiv "
            "reference designs via ai-infrastructure.net (132 kW) [S6]; OCP MGX rack spec "
            "Rev 1.1 s.11 (85 % liquid, 130 LPM) [S3]; Supermicro SRS-GB200-NVL72 "
            "(600 x 1068 mm) [S2]; ServeTheHome GTC 2024 (1.36 t) [S4]; Azure ND GB200 v6 blog, "
            "Llama 2 70B, unverified MLPerf v4.1 (865k tok/s) [S5]; max_supply_c 45 C: W45, no "
            "GB200-specific figure published [S9][S24]; max inlet 27 C, ASHRAE recommended "
            "[S24]; typical_kw: the 120 kW NVIDIA nameplate [S1]; price_usd: about $3M [S7]"
        ),
        sources=(
            ("it_kw", "E", "132 kW design: vendor reference designs (8 x 33 kW shelves N+N) "
             "[S6][S1]"),
            ("liquid_fraction", "S", "85 % of heat to liquid, OCP MGX spec Rev 1.1 s.11 [S3]"),
            ("weight_kg", "E", "about 1.36 t (3,000 lb), ServeTheHome GTC 2024 [S4]"),
            ("footprint_m2", "V", "600 x 1068 mm, Supermicro SRS-GB200-NVL72 [S2]"),
            ("flow_lpm_per_kw", "D", "130 LPM / (120 kW x 0.85) = 1.27, OCP MGX spec [S3]"),
            ("max_supply_c", "E", "45 C, ASHRAE W45 bound of the MGX NVL72 generation "
             "(GB300: Lenovo LP2357) [S9][S24]; no GB200-specific figure found"),
            _ASHRAE_INLET,
            ("tokens_per_s", "B", "865k tok/s Llama 2 70B, Azure ND GB200 v6, unverified "
             "MLPerf v4.1 [S5]"),
            ("typical_kw", "V", "120 kW NVIDIA nameplate, DGX GB user guide p.17 [S1]"),
            ("price_usd", "E", "about $3M, trade press [S7]"),
        ),
    ),
    RackType(
        name="gb300-nvl72",
        # NVIDIA NVL72 AI factory reference architecture allows "up to 142 kW";
        # Lenovo gives 135 kW TDP and 155 kW peak.
        it_kw=142.0,
        liquid_fraction=0.90,
        weight_kg=1450.0,
        footprint_m2=0.6408,
        # OCP sizing rule 1.5 LPM/kW at dT 10 K. Lenovo Table 27 at 45 C supply:
        # 177 LPM for about 121 kW of liquid heat (135 x 0.90) = 1.46 LPM per kW.
        flow_lpm_per_kw=1.5,
        max_supply_c=45.0,
        max_inlet_c=27.0,
        tokens_per_s=420000.0,
        # Typical: Lenovo's 135 kW TDP, not the 142 kW design maximum. Power smoothing (PSU
        # energy storage, GPU power caps) cuts peak grid demand by up to 30 %; it shapes
        # peaks, not the average, so it does not lower the typical figure.
        typical_kw=135.0,
        price_usd=3.7e6,
        description=(
            "NVIDIA GB300 NVL72 (Blackwell Ultra): 72 B300 GPUs and 36 Grace CPUs in one MGX "
            "48U rack; 142 kW design (135 kW TDP, 155 kW peak), about 90 % of heat to liquid, "
            "ASHRAE W45 (supply up to 45 C)"
        ),
        status="shipping",
        source=(
            "NVIDIA NVL72 AI factory enterprise RA p.8 (up to 142 kW) [S8]; Lenovo Press LP2357 "
            "pp.2, 24 (135/155 kW, 90 % liquid), p.38 Table 27 (flow vs supply, up to 45 C) [S9]; "
            "OCP 1.5 LPM/kW sizing rule [S10]; weight 1,360-1,590 kg vendor range [E]; "
            "MLPerf v5.1, 72 x GB300, DeepSeek-R1 (420k tok/s) [S11]; max inlet 27 C [S24]; "
            "typical_kw: the 135 kW TDP [S9] (NVIDIA power smoothing caps peaks, it does not "
            "lower the average [S13]); price_usd: $3.7M, low end of the analyst range "
            "$3.7-6.5M (awesomeagents.ai gives $3-4M [S12]) [E]"
        ),
        sources=(
            ("it_kw", "V", "up to 142 kW, NVIDIA NVL72 AI factory enterprise RA p.8 [S8]"),
            ("liquid_fraction", "V", "about 90 % to liquid, Lenovo LP2357 pp.2, 24 [S9]"),
            ("weight_kg", "E", "1,450 kg, middle of a 1,360-1,590 kg vendor range with no "
             "vendor document found (docs/sources.md, Not found)"),
            ("footprint_m2", "V", "600 x 1068 mm, the MGX envelope Supermicro lists for its "
             "GB300 NVL72 [S2]"),
            ("flow_lpm_per_kw", "S", "OCP 1.5 LPM/kW at dT 10 K [S10]; Lenovo Table 27 gives "
             "1.46 at 45 C supply [S9]"),
            ("max_supply_c", "V", "45 C, ASHRAE W45, Lenovo LP2357 pp.13, 24, 27 [S9][S24]"),
            _ASHRAE_INLET,
            ("tokens_per_s", "B", "420k tok/s DeepSeek-R1, MLPerf v5.1, 72 x GB300 [S11]"),
            ("typical_kw", "V", "135 kW TDP, Lenovo LP2357 p.2 [S9]"),
            ("price_usd", "E", "$3.7M, low end of an analyst range; $3-4M [S12]"),
        ),
    ),
    RackType(
        name="hgx-b200-x2",
        # Two DGX B200 per rack: 2 x 14.3 kW = 28.6 kW; 2 x 142.4 kg = 284.8 kg;
        # 2 x about 103k tok/s = 206k tok/s.
        it_kw=28.6,
        liquid_fraction=0.0,
        weight_kg=284.8,
        footprint_m2=0.72,
        max_inlet_c=27.0,
        tokens_per_s=206000.0,
        # No public typical draw for DGX B200: typical_kw left out (it_kw applies).
        # Price: 2 systems x about $0.5M = $1.0M.
        price_usd=1.0e6,
        description=(
            "Two DGX B200 (HGX B200, 8 x B200 each, 10U) in one air-cooled 600 x 1200 mm rack: "
            "two per rack keeps 28.6 kW within the practical 25-30 kW air-only ceiling. "
            "Weight is the two systems only; enclosure, PDUs and network are not included"
        ),
        status="shipping",
        source=(
            "NVIDIA DGX B200 User Guide, Introduction (14.3 kW max, 142.4 kg) [S14]; practical "
            "air-only ceiling 25-30 kW per rack [S15]; MLPerf v5.1, 8 x B200 Llama 2 70B "
            "offline about 103k tok/s [S11]; per-rack figures [D]; max inlet 27 C [S24]; "
            "price_usd: 2 x about $0.5M per DGX B200, no primary source [E/U]; no typical "
            "draw is published, so simulate runs it at it_kw"
        ),
        sources=(
            ("it_kw", "D", "2 x 14.3 kW max, DGX B200 user guide [S14]"),
            ("liquid_fraction", "V", "air-cooled system, DGX B200 user guide [S14]"),
            ("weight_kg", "D", "2 x 142.4 kg, systems only, DGX B200 user guide [S14]"),
            _RECT,
            ("flow_lpm_per_kw", "n/a", _NO_LIQUID),
            ("max_supply_c", "n/a", _NO_LIQUID),
            _ASHRAE_INLET,
            ("tokens_per_s", "D", "2 x about 103k tok/s, MLPerf v5.1 8 x B200 [S11]"),
            ("typical_kw", "U", "not published: simulate uses it_kw"),
            ("price_usd", "U", "2 x about $0.5M, no primary source (docs/sources.md, "
             "Not found)"),
        ),
    ),
    RackType(
        name="hgx-h100-x4",
        # Four DGX H100 per rack: 4 x 10.2 kW = 40.8 kW; 4 x 130 kg = 520 kg;
        # MLPerf v4.1 gives 10,700 tok/s per 4 x H100, so 8 GPUs = 2 x 10,700 per system:
        # 4 systems x 2 x 10,700 = 85,600 tok/s.
        it_kw=40.8,
        liquid_fraction=0.0,
        weight_kg=520.0,
        footprint_m2=0.72,
        max_inlet_c=27.0,
        tokens_per_s=85600.0,
        # Typical 6.5-8.5 kW per DGX H100, midpoint 7.5 kW: 4 x 7.5 = 30 kW.
        # Price: 4 x about $199k list = $796k (support, about 20 % a year, not included).
        typical_kw=30.0,
        price_usd=796000.0,
        description=(
            "Four DGX H100 (8 x H100 SXM each, 8U) in one air-cooled rack, as in the NVIDIA "
            "DGX SuperPOD H100 design; 40.8 kW is above the 25-30 kW practical air-only "
            "ceiling, so it needs close-coupled air cooling (in-row or rear-door). "
            "Weight is the four systems only"
        ),
        status="shipping",
        source=(
            "NVIDIA DGX SuperPOD Data Center Design (H100), 4 DGX per rack = 40.8 kW [S16]; "
            "DGX H100 weight about 130 kg [U]; MLPerf v4.1 Llama 2 70B offline, "
            "4 x H100 = 10,700 tok/s [S18]; per-rack throughput [D]; max inlet 27 C [S24]; "
            "typical_kw: 4 x 7.5 kW, the midpoint of 6.5-8.5 kW per DGX H100 [S19]; "
            "price_usd: 4 x about $199k list per DGX H100, support not included [S19]"
        ),
        sources=(
            ("it_kw", "V", "4 DGX H100 per rack = 4 x 10.2 kW, SuperPOD H100 design [S16][S17]"),
            ("liquid_fraction", "V", "air-cooled system, DGX H100 user guide [S17]"),
            ("weight_kg", "U", "4 x about 130 kg, not confirmed in the DGX H100 user guide "
             "[S17] (docs/sources.md, Not found)"),
            _RECT,
            ("flow_lpm_per_kw", "n/a", _NO_LIQUID),
            ("max_supply_c", "n/a", _NO_LIQUID),
            _ASHRAE_INLET,
            ("tokens_per_s", "D", "4 systems x 2 x 10,700 tok/s, MLPerf v4.1 4 x H100 [S18]"),
            ("typical_kw", "E", "4 x 7.5 kW, midpoint of 6.5-8.5 kW per DGX H100 [S19]"),
            ("price_usd", "E", "4 x about $199k list per DGX H100 [S19]"),
        ),
    ),
    RackType(
        name="dgx-b300-x4",
        # Four DGX B300 per high-density rack: NVIDIA gives a 58 kW average and a 76 kW
        # peak; the peak is the design load the checks use.
        it_kw=76.0,
        liquid_fraction=0.0,
        # No DGX B300 weight is published: the DGX B200's 142.4 kg per system [S14] [E/U],
        # 4 x 142.4 = 569.6 kg, systems only.
        weight_kg=569.6,
        footprint_m2=0.72,
        max_inlet_c=27.0,
        typical_kw=58.0,
        description=(
            "Four DGX B300 (HGX B300, 8 x B300 each) in one high-density air-cooled rack, as in "
            "NVIDIA's DGX B300 data-center best practices: 76 kW peak (the design figure), "
            "58 kW average; needs an active rear-door heat exchanger. No weight, price or "
            "throughput is published: weight is estimated from the DGX B200 (systems only), "
            "price and throughput are not given"
        ),
        status="shipping",
        source=(
            "NVIDIA Data Center Best Practices with DGX B300 v1.0 p.8: high-density rack of "
            "4 systems averages 58 kW (typical_kw) with a 76 kW peak (it_kw), active RDHx "
            "required [S20]; weight: 4 x the DGX B200's 142.4 kg [S14], an estimate [E/U]; "
            "max inlet 27 C [S24]"
        ),
        sources=(
            ("it_kw", "V", "76 kW peak of a 4-system rack, DGX B300 best practices p.8 [S20]"),
            ("liquid_fraction", "V", "air-cooled with an active RDHx, DGX B300 best "
             "practices p.8 [S20]"),
            ("weight_kg", "U", "4 x 142.4 kg, the DGX B200 figure [S14]; no DGX B300 weight "
             "is published (docs/sources.md, Not found)"),
            _RECT,
            ("flow_lpm_per_kw", "n/a", _NO_LIQUID),
            ("max_supply_c", "n/a", _NO_LIQUID),
            _ASHRAE_INLET,
            ("tokens_per_s", "U", "not published"),
            ("typical_kw", "V", "58 kW average, DGX B300 best practices p.8 [S20]"),
            ("price_usd", "U", "not published"),
        ),
    ),
    RackType(
        name="vr-nvl72",
        # Max-P tuning; Max-Q is about 190 kW.
        it_kw=230.0,
        liquid_fraction=1.0,
        weight_kg=1800.0,
        footprint_m2=0.6408,
        flow_lpm_per_kw=1.5,
        max_supply_c=45.0,
        tokens_per_s=None,
        description=(
            "NVIDIA Vera Rubin NVL72 (sold earlier as NVL144), same MGX/Oberon footprint as "
            "GB300; about 230 kW at Max-P (190 kW at Max-Q), 100 % liquid-cooled with about "
            "45 C water; announced, figures from trade reports"
        ),
        status="announced",
        source=(
            "Vera Rubin NVL72 190-230 kW, regantih.github.io sand-to-superintelligence ch.14 "
            "[S21]; about 1.8 t and 100 % liquid at 45 C, toptechnews.net and theaipov.news "
            "[S22]; same footprint as GB300, Tom's Hardware roadmap [S23]; OCP 1.5 LPM/kW "
            "rule [S10]"
        ),
        sources=(
            ("it_kw", "E", "230 kW at Max-P (190 kW Max-Q), trade report [S21]"),
            ("liquid_fraction", "E", "100 % liquid, trade reports [S22]"),
            ("weight_kg", "E", "about 4,000 lb (1.8 t), trade reports [S22]"),
            ("footprint_m2", "E", "same MGX (Oberon) footprint as GB300 [S23][S2]"),
            ("flow_lpm_per_kw", "S", "OCP 1.5 LPM/kW at dT 10 K [S10]"),
            ("max_supply_c", "E", "about 45 C water, trade reports [S22]"),
            ("max_inlet_c", "n/a", "no air heat (liquid_fraction 1): C003 never reads it"),
            ("tokens_per_s", "U", "not published (announced system)"),
            ("typical_kw", "U", "not published: simulate uses it_kw"),
            ("price_usd", "U", "not published"),
        ),
    ),
)

# Ride-through (R008, docs/format.md "Continuous cooling"): no vendor states how long a
# rack runs at full load without its coolant flow or air (docs/sources.md, Not found).
# Every built-in type is given 0 s, no credit: the Uptime Institute asks for a stable
# inlet through the whole generator transfer and mechanical restart [S41]. A rough
# bound for a 130 kW-class liquid rack: about 40 L of coolant (an unsourced figure)
# x 3.9 kJ/(kg K) x 10 K / 123 kW of liquid heat = about 13 s before the cold plates
# reach their limit, too uncertain to credit. A layout gives its own figure on the rack
# or its type.
_NO_RIDE_THROUGH = ("ride_through_s", "E", "0 s, no credit: no vendor figure found "
                    "(docs/sources.md, Not found); continuous cooling asks for a stable "
                    "inlet through the generator transfer and restart [S41]")
BUILTIN_RACK_TYPES = tuple(
    dataclasses.replace(t, ride_through_s=0.0, sources=(*t.sources, _NO_RIDE_THROUGH))
    for t in BUILTIN_RACK_TYPES)


def builtin_rack_types() -> dict[str, RackType]:
    """The built-in rack types by name, in catalog order."""
    return {rack_type.name: rack_type for rack_type in BUILTIN_RACK_TYPES}


def snippet_fields(rack: RackType) -> dict:
    """The catalog keys of an imported rack type, in catalog order, unknowns left out."""
    out = {}
    for key in ("it_kw", "liquid_fraction", "weight_kg", "typical_kw"):
        value = getattr(rack, key)
        if value is not None:
            out[key] = round(value, 6)
    out["description"] = rack.description
    out["source"] = rack.source
    return out
