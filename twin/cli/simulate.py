"""``twin simulate``: hour by hour over a year: energy, PUE, capacity, cost."""
from __future__ import annotations

import os
import sys

from twin.cli import common
from twin.core import UsageError, refuse_input
from twin.reporters import REPORTERS
from twin.reporters.text_reporter import finding_line, one_line


def add_parser(sub) -> None:
    m = sub.add_parser("simulate", help="hour by hour over a year: energy, PUE, capacity, cost",
                       description="Run the layout hour by hour over a typical year (8,760 "
                       "steps): IT load from a profile, heat rejection against the weather, "
                       "annual energy, PUE, hours over capacity, tokens and cost. Exit 1 when "
                       "some component runs out of capacity in some hour (or the layout has "
                       "errors). Models and defaults: docs/simulate.md.",
                       epilog="examples:\n  twin simulate layouts/gb300-hall.yaml\n"
                       "  twin simulate hall.yaml --weather USA_NC_Greensboro.epw --load "
                       "diurnal --plot year.svg\n  twin simulate hall.yaml --weather 723170TYA.CSV"
                       " --load fractions.csv --format json\n",
                       formatter_class=common.RAW)
    m.add_argument("layout", metavar="LAYOUT")
    m.add_argument("--weather", action=common.Once, metavar="FILE",
                   help="EnergyPlus EPW or NREL TMY3 CSV (default: site.design_ambient_c, else "
                   "25 °C, all year)")
    m.add_argument("--load", action=common.Once, default="flat", metavar="PROFILE",
                   help="flat (typical power all year, the default), diurnal, or a CSV of "
                   "fractions of design it_kw (24 or 8,760 rows)")
    m.add_argument("--hours", type=int, action=common.Once, default=8760, metavar="N",
                   help="simulate the first N hours (1 to 8,760; default 8,760)")
    m.add_argument("--format", action=common.Once, choices=common.formats("simulation"),
                   default="text")
    m.add_argument("--plot", action=common.Once, metavar="OUT.svg",
                   help="write an SVG of hourly PUE and facility power (atomically)")
    m.add_argument("--no-progress", action="store_true", help="never show progress")
    common.limit_args(m)


def run(args) -> int:
    from twin import api
    from twin.layout import profile, weather
    from twin.questions.simulate import default_weather, simulate
    from twin.reporters import svg as plot

    if not 1 <= args.hours <= weather.HOURS_PER_YEAR:
        raise UsageError(f"--hours must be 1 to {weather.HOURS_PER_YEAR:,}, not {args.hours}")
    limits = common.limits(args)
    load_file = args.load if os.path.isfile(args.load) else None
    refuse_input(args.plot, [args.layout, args.weather, load_file], "--plot")
    ambient = weather.read(args.weather) if args.weather else None
    load = profile.read(args.load)
    show = None if args.no_progress else common.bar_printer(args.layout)
    if show is not None:
        sys.stderr.write(f"\r{one_line(args.layout)}: reading")
        sys.stderr.flush()
    loaded = api.load(args.layout, limits=limits)
    if loaded.layout is None or loaded.findings:
        if show is not None:
            sys.stderr.write("\n")
        sys.stderr.write("".join(f"{finding_line(f)}\n" for f in loaded.findings))
        sys.stderr.write(common.line(f"{args.layout}: not simulated: fix the problems above"))
        return 1
    if ambient is None:
        ambient = default_weather(loaded.layout)
    try:
        sim = simulate(loaded.layout, ambient, load, hours=args.hours, progress=show)
    except ValueError as exc:  # a cycle in from: or to:
        sys.stderr.write(common.line(f"{args.layout}: not simulated: {exc}; `twin validate` "
                                     "shows it"))
        return 1
    sys.stdout.write(REPORTERS[args.format].simulation(sim))
    if args.plot:
        common.write_output(args.plot, plot.svg(sim), "--plot",
                            [*common.inputs(args.layout, loaded.layout), args.weather,
                             load_file])
    return 0 if sim.ok else 1
