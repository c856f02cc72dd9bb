"""The ``twin`` command: validate, whatif, expand and catalog. Owns stdout, stderr and exit codes.

Exit codes: 0 no error found, 1 an error was found, 2 a usage problem (unknown flag,
missing file, bad option value).
"""
from __future__ import annotations

import argparse
import os
import sys

from twin import api, blocks
from twin.atomic import write_atomic
from twin.catalog import builtin_rack_types
from twin.checks import registry
from twin.emit import emit
from twin.errors import UsageError
from twin.findings import Finding
from twin.loader import did_you_mean
from twin.reporters import REPORTERS
from twin.reporters.text_reporter import finding_line
from twin.source import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_ID_LENGTH,
    MAX_NODES,
    Limits,
    Problem,
    parse,
    read_bytes,
)

EXAMPLES = """\
examples:
  twin validate layouts/gb300-hall.yaml
  twin validate layouts/*.yaml --format json
  twin validate hall.yaml --contingency 2      # every double failure too
  twin whatif layouts/gb300-hall.yaml --fail ups-a1,ups-b1
  twin expand layouts/campus-1gw.yaml -o campus-flat.yaml
  twin simulate layouts/gb300-hall.yaml --weather site.epw --plot year.svg
  twin catalog

exit codes: 0 no error, 1 an error was found, 2 usage problem (bad flag, missing file)
"""


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and a one-line hint on usage errors."""

    def error(self, message):  # noqa: D102 - argparse API
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="twin", description="Digital twin of AI-factory power, cooling and space: "
                "validate layouts, ask what-if questions.", epilog=EXAMPLES,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"twin {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    v = sub.add_parser("validate", help="check layouts and print findings and KPIs",
                       description="Check layouts against every check of the catalog, N-1 "
                       "(or N-2) included, and print the findings.", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("layouts", nargs="+", metavar="LAYOUT", help="layout YAML file(s)")
    v.add_argument("--format", choices=sorted(REPORTERS), default="text")
    v.add_argument("--contingency", type=int, choices=(0, 1, 2), default=None,
                   help="override policy.contingency: simultaneous failures to survive")
    _limit_args(v)
    v.add_argument("--no-progress", action="store_true", help="never show sweep progress")

    w = sub.add_parser("whatif", help="evaluate one failure set",
                       description="Fail the given components together and show what is down, "
                       "what is overloaded and the KPIs after. Exit 1 when a rack loses power "
                       "or cooling or a component is over its failover limit.",
                       epilog="example:\n  twin whatif layouts/gb300-hall.yaml --fail mv-a\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    w.add_argument("layout", metavar="LAYOUT")
    w.add_argument("--fail", required=True, metavar="ID[,ID...]",
                   help="component ids to fail, comma-separated")
    w.add_argument("--format", choices=sorted(REPORTERS), default="text")
    _limit_args(w)

    e = sub.add_parser("expand", help="print the flat v1 layout that blocks expand to",
                       description="Expand includes, blocks, instances and ranges and print "
                       "the equivalent flat layout (format v1, one line per entry). Exit 1 "
                       "when the layout cannot be expanded (its problems go to stderr).",
                       epilog="example:\n  twin expand layouts/campus-1gw.yaml -o flat.yaml\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    e.add_argument("layout", metavar="LAYOUT")
    e.add_argument("-o", "--output", metavar="OUT",
                   help="write to OUT (atomically: a temporary file, then a rename) "
                   "instead of stdout")
    _limit_args(e)

    k = sub.add_parser("capacity", help="how many more racks of a type fit, where, and what binds",
                       description="Add racks of one type to the free positions of rows that "
                       "already hold racks (each copying the links of its nearest neighbour) "
                       "while every check, N-1 included, still passes. Exit 1 when --count "
                       "racks do not fit or the layout already has errors.",
                       epilog="examples:\n  twin capacity layouts/gb300-hall.yaml --rack-type "
                       "gb300-nvl72\n  twin capacity hall.yaml --rack-type gb300-nvl72 --hall "
                       "hall-2 --count 8 --write hall-plus-8.yaml\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    k.add_argument("layout", metavar="LAYOUT")
    k.add_argument("--rack-type", required=True, metavar="T", help="rack type to add")
    k.add_argument("--hall", action="append", metavar="H", help="only this hall (repeatable)")
    k.add_argument("--count", type=int, metavar="N", help="do N racks fit? place at most N")
    k.add_argument("--write", metavar="OUT", help="write the layout with the racks added")
    k.add_argument("--format", choices=sorted(REPORTERS), default="text")
    _limit_args(k)

    r = sub.add_parser("report", help="headroom and stranded capacity per hall and component",
                       description="Per power and cooling component: normal and worst N-1 "
                       "utilization and margin in kW. Per hall: how many more racks of its "
                       "most common type fit, how many power alone and cooling alone would "
                       "allow, and the stranded power and cooling.",
                       epilog="example:\n  twin report layouts/gb300-hall.yaml\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("layout", metavar="LAYOUT")
    r.add_argument("--format", choices=sorted(REPORTERS), default="text")
    _limit_args(r)

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
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    m.add_argument("layout", metavar="LAYOUT")
    m.add_argument("--weather", metavar="FILE",
                   help="EnergyPlus EPW or NREL TMY3 CSV (default: site.design_ambient_c, else "
                   "25 °C, all year)")
    m.add_argument("--load", default="flat", metavar="PROFILE",
                   help="flat (typical power all year, the default), diurnal, or a CSV of "
                   "fractions of design it_kw (24 or 8,760 rows)")
    m.add_argument("--hours", type=int, default=8760, metavar="N",
                   help="simulate the first N hours (1 to 8,760; default 8,760)")
    m.add_argument("--format", choices=sorted(REPORTERS), default="text")
    m.add_argument("--plot", metavar="OUT.svg",
                   help="write an SVG of hourly PUE and facility power (atomically)")
    m.add_argument("--no-progress", action="store_true", help="never show progress")
    _limit_args(m)

    c = sub.add_parser("catalog", help="list the built-in rack types with their sources")
    c.add_argument("--format", choices=sorted(REPORTERS), default="text")
    return p


def _limit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-bytes", type=int, default=MAX_BYTES, metavar="N",
                   help=f"refuse larger files (default {MAX_BYTES:,})")
    p.add_argument("--max-nodes", type=int, default=MAX_NODES, metavar="N",
                   help=f"refuse files expanding to more YAML nodes (default {MAX_NODES:,})")
    p.add_argument("--max-depth", type=int, default=MAX_DEPTH, metavar="N",
                   help=f"refuse deeper nesting (default {MAX_DEPTH})")
    p.add_argument("--max-id-length", type=int, default=MAX_ID_LENGTH, metavar="N",
                   help=f"refuse longer component, rack and hall ids (default {MAX_ID_LENGTH})")


def _version() -> str:
    from twin import __version__
    return __version__


def _limits(args) -> Limits:
    for name in ("max_bytes", "max_nodes", "max_depth", "max_id_length"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number")
    return Limits(args.max_bytes, args.max_nodes, args.max_depth, args.max_id_length)


def _progress_printer(file: str):
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{file}: failure scenarios {done:,}/{total:,}{end}")
        sys.stderr.flush()
    return show


def cmd_validate(args) -> int:
    reporter = REPORTERS[args.format]
    limits = _limits(args)
    reports, usage = [], False
    for path in args.layouts:
        try:
            loaded = api.load(path, limits=limits)
            progress = None if args.no_progress else _progress_printer(path)
            reports.append(api.validate(loaded, contingency=args.contingency, progress=progress))
        except UsageError as exc:
            sys.stderr.write(f"twin: error: {exc}\n")
            usage = True
    out, err = reporter.validation(reports)
    sys.stdout.write(out)
    sys.stderr.write(err)
    if usage:
        return 2
    return 0 if all(r.ok for r in reports) else 1


def cmd_whatif(args) -> int:
    failed = [f.strip() for f in args.fail.split(",") if f.strip()]
    if not failed:
        raise UsageError("--fail needs at least one component id")
    loaded = api.load(args.layout, limits=_limits(args))
    result = api.whatif(loaded, failed)
    sys.stdout.write(REPORTERS[args.format].whatif(result))
    bad = result.findings or result.racks_down or result.racks_without_cooling or result.overloaded
    return 1 if bad else 0


def cmd_expand(args) -> int:
    limits = _limits(args)
    path = args.layout
    data = read_bytes(path, limits)
    checks = registry()
    if data is None:
        problems = [Problem("L001", f"file is larger than {limits.max_bytes:,} bytes; "
                            "raise the limit with --max-bytes if this is intended")]
        tree = None
    else:
        tree, problems = parse(data, limits)
        if tree is not None:
            tree, more = blocks.expand(tree, path, limits, size=len(data))
            problems = [*problems, *more]
    if problems or tree is None:
        findings = sorted((Finding(p.code, checks[p.code].severity, p.message, p.file or path,
                                   p.line, p.column, p.key, name=checks[p.code].name, via=p.via)
                           for p in problems), key=Finding.sort_key)
        sys.stderr.write("".join(f"{finding_line(f)}\n" for f in findings))
        sys.stderr.write(f"{path}: not expanded: fix the problems above\n")
        return 1
    text = (f"# Flat layout expanded by `twin expand` from {os.path.basename(path)}; "
            "edit that file, not this one.\n" + emit(tree))
    if args.output:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    return 0


def cmd_capacity(args) -> int:
    from twin.capacity import search
    from twin.edit import append_racks

    if args.count is not None and args.count < 1:
        raise UsageError("--count must be a positive number")
    loaded = api.load(args.layout, limits=_limits(args))
    report = api.validate(loaded)
    reporter = REPORTERS[args.format]
    if not report.ok or loaded.layout is None:
        out, err = reporter.validation([report])
        sys.stdout.write(out)
        sys.stderr.write(err + f"{args.layout}: fix the errors above before asking for "
                         "capacity\n")
        return 1
    layout = loaded.layout
    types = {**builtin_rack_types(), **{t.name: t for t in layout.rack_types}}
    rack_type = types.get(args.rack_type)
    if rack_type is None or rack_type.it_kw is None:
        raise UsageError(f"--rack-type: unknown rack type {args.rack_type!r}"
                         f"{did_you_mean(args.rack_type, types)}; `twin catalog` lists them")
    halls = None
    if args.hall:
        known = [h.id for h in layout.halls]
        for h in args.hall:
            if h not in known:
                raise UsageError(f"--hall: {h!r} is not a hall of {args.layout}"
                                 f"{did_you_mean(h, known)}")
        halls = set(args.hall)
    result = search(layout, rack_type, halls=halls, count=args.count)
    if args.write:
        if not result.placed:
            sys.stderr.write(f"twin: no rack fits: {args.write} not written\n")
        else:
            with open(args.layout, encoding="utf-8") as handle:
                text = handle.read()
            racks = []
            for p in result.placed:
                fields = {"type": p.type, "hall": p.hall, "row": p.row, "pos": p.pos,
                          "power": list(p.power), "cooling": list(p.cooling)}
                if p.min_feeds != 1:
                    fields["min_feeds"] = p.min_feeds
                if p.contingency is not None:
                    fields["contingency"] = p.contingency
                racks.append((p.id, fields))
            try:
                new_text = append_racks(text, racks, f"added by twin capacity: {len(racks)} x "
                                        f"{rack_type.name}, links copied from their row")
            except ValueError as exc:
                raise UsageError(f"--write: {exc}") from None
            write_atomic(args.write, new_text)
    sys.stdout.write(reporter.capacity(result))
    return 0 if result.ok else 1


def cmd_report(args) -> int:
    from twin.report import headroom

    loaded = api.load(args.layout, limits=_limits(args))
    reporter = REPORTERS[args.format]
    report = api.validate(loaded)
    if loaded.layout is None or any(f.code[0] in "LT" and f.severity == "error"
                                    for f in report.findings):
        out, err = reporter.validation([report])
        sys.stdout.write(out)
        sys.stderr.write(err)
        return 1
    sys.stdout.write(reporter.headroom(headroom(api.snapshot(loaded.layout))))
    return 0 if report.ok else 1


def cmd_simulate(args) -> int:
    from twin import plot, profile, weather
    from twin.simulate import simulate

    if not 1 <= args.hours <= weather.HOURS_PER_YEAR:
        raise UsageError(f"--hours must be 1 to {weather.HOURS_PER_YEAR:,}, not {args.hours}")
    limits = _limits(args)
    ambient = weather.read(args.weather) if args.weather else None
    load = profile.read(args.load)
    show = None if args.no_progress else _bar_printer(args.layout)
    if show is not None:
        sys.stderr.write(f"\r{args.layout}: reading")
        sys.stderr.flush()
    loaded = api.load(args.layout, limits=limits)
    if loaded.layout is None or loaded.findings:
        if show is not None:
            sys.stderr.write("\n")
        sys.stderr.write("".join(f"{finding_line(f)}\n" for f in loaded.findings))
        sys.stderr.write(f"{args.layout}: not simulated: fix the problems above\n")
        return 1
    site = loaded.layout.site
    if ambient is None:
        design = site.design_ambient_c
        ambient = weather.constant(design if design is not None else 25.0)
    try:
        sim = simulate(loaded.layout, ambient, load, hours=args.hours, progress=show)
    except ValueError as exc:  # a cycle in from: or to:
        sys.stderr.write(f"{args.layout}: not simulated: {exc}; `twin validate` shows it\n")
        return 1
    sys.stdout.write(REPORTERS[args.format].simulation(sim))
    if args.plot:
        write_atomic(args.plot, plot.svg(sim))
    return 0 if sim.ok else 1


def _bar_printer(label: str):
    """A progress bar on stderr, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label}: simulating [{'#' * filled}{'.' * (width - filled)}] "
                         f"{100 * done // max(total, 1):3d}%{end}")
        sys.stderr.flush()
    return show


def cmd_catalog(args) -> int:
    sys.stdout.write(REPORTERS[args.format].catalog(list(builtin_rack_types().values())))
    return 0


COMMANDS = {"validate": cmd_validate, "whatif": cmd_whatif, "expand": cmd_expand,
            "capacity": cmd_capacity, "report": cmd_report, "simulate": cmd_simulate,
            "catalog": cmd_catalog}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        sys.stderr.write(f"twin: error: {exc}\n")
        return 2
    except BrokenPipeError:  # `twin validate ... | head`
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("twin: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
