"""The ``twin`` command: validate, whatif, expand and catalog. Owns stdout, stderr and exit codes.

Exit codes: 0 no error found, 1 an error was found, 2 a usage problem (unknown flag,
missing file, bad option value).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from twin import api
from twin.core import refuse_input, write_atomic
from twin.layout.catalog import builtin_rack_types
from twin.layout.emit import emit
from twin.core import UsageError
from twin.layout.loader import did_you_mean
from twin.reporters import REPORTERS
from twin.reporters.text_reporter import finding_line, one_line
from twin.layout.source import (
    MAX_BYTES,
    MAX_COMPONENTS,
    MAX_DEPTH,
    MAX_FINDINGS,
    MAX_ID_LENGTH,
    MAX_INSTANCES,
    MAX_NODES,
    MAX_RACKS,
    Limits,
)

EXAMPLES = """\
examples:
  twin validate layouts/gb300-hall.yaml
  twin validate layouts/*.yaml --format json
  twin validate hall.yaml --contingency 2      # every double failure too
  twin whatif layouts/gb300-hall.yaml --fail ups-a1,ups-b1
  twin expand layouts/campus-1gw.yaml -o campus-flat.yaml
  twin capacity layouts/gb300-hall.yaml --rack-type gb300-nvl72
  twin report layouts/gb300-hall.yaml --html hall.html
  twin simulate layouts/gb300-hall.yaml --weather site.epw --plot year.svg
  twin diff layouts/gb300-hall.yaml --rev HEAD~1
  twin validate layouts/*.yaml --format sarif > twin.sarif
  twin export layouts/gb300-hall.yaml --usd out/usd --netbox out/netbox --dot hall.dot
  twin schema -o twin-layout.schema.json
  twin catalog

exit codes: 0 no error, 1 an error was found, 2 usage problem (bad flag, missing file)
"""


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and a one-line hint on usage errors."""

    def error(self, message):  # noqa: D102 - argparse API
        self.print_usage(sys.stderr)
        self.exit(2, _line(f"{self.prog}: error: {message}"))


def _line(text: str) -> str:
    """A message line for stdout or stderr, escaped as every line twin prints."""
    return one_line(text) + "\n"


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
    v.add_argument("--sarif-root", metavar="DIR",
                   help="with --format sarif: write paths relative to DIR (default: the "
                   "current directory), DIR being the run's %%SRCROOT%%")

    w = sub.add_parser("whatif", help="evaluate one failure set",
                       description="Fail the given components together and show what is down, "
                       "what is overloaded and the KPIs after. Exit 1 when a rack loses power "
                       "or cooling or a component is over its failover limit.",
                       epilog="example:\n  twin whatif layouts/gb300-hall.yaml --fail mv-a\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    w.add_argument("layout", metavar="LAYOUT")
    w.add_argument("--fail", required=True, metavar="ID[,ID...]",
                   help="component ids to fail, comma-separated")
    w.add_argument("--format", choices=_formats("whatif"), default="text")
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
    k.add_argument("--format", choices=_formats("capacity"), default="text")
    _limit_args(k)

    r = sub.add_parser("report", help="headroom and stranded capacity per hall and component",
                       description="Per power and cooling component: normal and worst N-1 "
                       "utilization and margin in kW. Per hall: how many more racks of its "
                       "most common type fit, how many power alone and cooling alone would "
                       "allow, and the stranded power and cooling.",
                       epilog="examples:\n  twin report layouts/gb300-hall.yaml\n"
                       "  twin report layouts/gb300-hall.yaml --html hall.html\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    r.add_argument("layout", metavar="LAYOUT")
    r.add_argument("--format", choices=_formats("headroom"), default="text")
    r.add_argument("--html", metavar="OUT",
                   help="also write a self-contained HTML report (KPIs, floor plans coloured "
                   "by N-1 margin, one-line diagrams, findings, failure sets) to OUT, "
                   "atomically; see docs/report.md")
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
    m.add_argument("--format", choices=_formats("simulation"), default="text")
    m.add_argument("--plot", metavar="OUT.svg",
                   help="write an SVG of hourly PUE and facility power (atomically)")
    m.add_argument("--no-progress", action="store_true", help="never show progress")
    _limit_args(m)

    c = sub.add_parser("catalog", help="list the built-in rack types with their sources")
    c.add_argument("--format", choices=_formats("catalog"), default="text")
    _catalog_import_parser(c)
    _export_parser(sub)
    _diff_parser(sub)
    _schema_parser(sub)
    return p


def _formats(output: str) -> list[str]:
    """The reporters that can print ``output`` (``sarif`` and ``junit`` only do findings)."""
    return sorted(name for name, reporter in REPORTERS.items() if hasattr(reporter, output))


def _limit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-bytes", type=int, default=MAX_BYTES, metavar="N",
                   help=f"refuse larger files (default {MAX_BYTES:,})")
    p.add_argument("--max-nodes", type=int, default=MAX_NODES, metavar="N",
                   help=f"refuse files expanding to more YAML nodes (default {MAX_NODES:,})")
    p.add_argument("--max-depth", type=int, default=MAX_DEPTH, metavar="N",
                   help=f"refuse deeper nesting (default {MAX_DEPTH})")
    p.add_argument("--max-id-length", type=int, default=MAX_ID_LENGTH, metavar="N",
                   help=f"refuse longer component, rack and hall ids (default {MAX_ID_LENGTH})")
    p.add_argument("--max-racks", type=int, default=MAX_RACKS, metavar="N",
                   help=f"refuse layouts expanding to more racks (default {MAX_RACKS:,})")
    p.add_argument("--max-components", type=int, default=MAX_COMPONENTS, metavar="N",
                   help="refuse layouts expanding to more power and cooling components and "
                   f"halls (default {MAX_COMPONENTS:,})")
    p.add_argument("--max-instances", type=int, default=MAX_INSTANCES, metavar="N",
                   help="refuse layouts expanding to more block instances "
                   f"(default {MAX_INSTANCES:,})")
    p.add_argument("--include-root", action="append", default=[], metavar="DIR",
                   help="a folder `include:` may also read from, besides the layout's own "
                   "(repeatable; a layout on standard input has none of its own)")
    p.add_argument("--max-findings", type=int, default=MAX_FINDINGS, metavar="N",
                   help=f"list at most N findings per layout, then one that counts the rest "
                   f"(default {MAX_FINDINGS:,})")


def _version() -> str:
    from twin.core import VERSION as __version__
    return __version__


def _limits(args) -> Limits:
    for name in ("max_bytes", "max_nodes", "max_depth", "max_id_length", "max_racks",
                 "max_components", "max_instances", "max_findings"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number")
    for root in args.include_root:
        if not os.path.isdir(root):
            raise UsageError(f"--include-root: {root}: not a directory")
    return Limits(args.max_bytes, args.max_nodes, args.max_depth, args.max_id_length,
                  max_racks=args.max_racks, max_components=args.max_components,
                  max_instances=args.max_instances,
                  include_roots=tuple(args.include_root), max_findings=args.max_findings)


def _progress_printer(file: str):
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{one_line(file)}: failure scenarios {done:,}/{total:,}{end}")
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
            report = api.validate(loaded, contingency=args.contingency, progress=progress)
            # Only the findings are printed: let each layout's snapshot go before the next.
            reports.append(dataclasses.replace(report, snapshot=None))
        except UsageError as exc:
            sys.stderr.write(_line(f"twin: error: {exc}"))
            usage = True
    if args.sarif_root is not None:
        if args.format != "sarif":
            raise UsageError("--sarif-root goes with --format sarif")
        if not os.path.isdir(args.sarif_root):
            raise UsageError(f"--sarif-root: {args.sarif_root}: not a directory")
        out, err = reporter.validation(reports, root=args.sarif_root)
    else:
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
    from twin.layout.edit import check_reads_back

    path = args.layout
    refuse_input(args.output, [path], "-o")
    limits = _limits(args)
    tree, findings = api.read_tree(path, limits=limits)
    if findings or tree is None:
        sys.stderr.write("".join(f"{finding_line(f)}\n" for f in findings))
        sys.stderr.write(_line(f"{path}: not expanded: fix the problems above"))
        return 1
    text = (f"# Flat layout expanded by `twin expand` from {one_line(os.path.basename(path))}; "
            "edit that file, not this one.\n" + emit(tree))
    if args.output:
        try:
            check_reads_back(text, tree, limits)
        except ValueError as exc:
            raise UsageError(f"-o {args.output}: not written: {exc}") from None
        _write_output(args.output, text, "-o", _inputs(path, tree=tree))
    else:
        sys.stdout.write(text)
    return 0


def cmd_capacity(args) -> int:
    from twin.questions.capacity import search
    from twin.layout.edit import add_racks, check_racks_added
    from twin.layout.source import read_bytes

    if args.count is not None and args.count < 1:
        raise UsageError("--count must be a positive number")
    limits = _limits(args)
    data = None
    if args.write:  # read once: the text edited is the text checked (standard input too)
        refuse_input(args.write, [args.layout], "--write")
        data = read_bytes(args.layout, limits)
        if data is None and args.layout == "-":
            raise UsageError(f"-: standard input is larger than {limits.max_bytes:,} bytes; "
                             "raise the limit with --max-bytes if this is intended")
    loaded = (api.load_bytes(data, args.layout, limits=limits) if data is not None
              else api.load(args.layout, limits=limits))
    report = api.validate(loaded)
    reporter = REPORTERS[args.format]
    if not report.ok or loaded.layout is None:
        out, err = reporter.validation([report])
        sys.stdout.write(out)
        sys.stderr.write(err + _line(f"{args.layout}: fix the errors above before asking for "
                                     "capacity"))
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
    result = search(layout, rack_type, halls=halls, count=args.count, snapshot=report.snapshot)
    if args.write:
        if not result.placed:
            sys.stderr.write(_line(f"twin: no rack fits: {args.write} not written"))
        else:
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
                new = add_racks(data, racks, f"added by twin capacity: {len(racks)} x "
                                f"{rack_type.name}, links copied from their row")
                check_racks_added(data, new, racks, file=args.layout, old_layout=layout,
                                  limits=limits)
            except (ValueError, UnicodeDecodeError) as exc:
                raise UsageError(f"--write {args.write}: not written: {exc}") from None
            _write_output(args.write, new, "--write", _inputs(args.layout, layout))
    sys.stdout.write(reporter.capacity(result))
    return 0 if result.ok else 1


def cmd_report(args) -> int:
    from twin.questions.headroom import headroom

    if args.html and os.path.isdir(args.html):
        raise UsageError(f"--html: {args.html} is a directory")
    refuse_input(args.html, [args.layout], "--html")
    loaded = api.load(args.layout, limits=_limits(args))
    reporter = REPORTERS[args.format]
    report = api.validate(loaded)
    snap = report.snapshot  # None when L findings or a cycle kept the physics from running
    if snap is None:
        out, err = reporter.validation([report])
        sys.stdout.write(out)
        sys.stderr.write(err)
        if args.html:
            sys.stderr.write(_line(f"twin: {args.html} not written: fix the problems above"))
        return 1
    result = headroom(snap)
    sys.stdout.write(reporter.headroom(result))
    if args.html:
        inputs = _inputs(args.layout, loaded.layout)
        _write_html_report(args.html, snap, report, result, inputs)
    return 0 if report.ok else 1


def _write_html_report(path: str, snap, report, result, inputs=()) -> None:
    """``twin report --html OUT``: build the page's model, render it, write it atomically."""
    from twin.questions.floorplan import build
    from twin.reporters.html_reporter import html

    _write_output(path, html(build(snap, report, result)), "--html", inputs)
    sys.stderr.write(_line(f"twin: wrote {path}"))


def cmd_simulate(args) -> int:
    from twin.reporters import svg as plot
    from twin.layout import profile
    from twin.layout import weather
    from twin.questions.simulate import simulate

    if not 1 <= args.hours <= weather.HOURS_PER_YEAR:
        raise UsageError(f"--hours must be 1 to {weather.HOURS_PER_YEAR:,}, not {args.hours}")
    limits = _limits(args)
    load_file = args.load if os.path.isfile(args.load) else None
    refuse_input(args.plot, [args.layout, args.weather, load_file], "--plot")
    ambient = weather.read(args.weather) if args.weather else None
    load = profile.read(args.load)
    show = None if args.no_progress else _bar_printer(args.layout)
    if show is not None:
        sys.stderr.write(f"\r{one_line(args.layout)}: reading")
        sys.stderr.flush()
    loaded = api.load(args.layout, limits=limits)
    if loaded.layout is None or loaded.findings:
        if show is not None:
            sys.stderr.write("\n")
        sys.stderr.write("".join(f"{finding_line(f)}\n" for f in loaded.findings))
        sys.stderr.write(_line(f"{args.layout}: not simulated: fix the problems above"))
        return 1
    site = loaded.layout.site
    if ambient is None:
        design = site.design_ambient_c
        ambient = weather.constant(design if design is not None else 25.0)
    try:
        sim = simulate(loaded.layout, ambient, load, hours=args.hours, progress=show)
    except ValueError as exc:  # a cycle in from: or to:
        sys.stderr.write(_line(f"{args.layout}: not simulated: {exc}; `twin validate` shows it"))
        return 1
    sys.stdout.write(REPORTERS[args.format].simulation(sim))
    if args.plot:
        _write_output(args.plot, plot.svg(sim), "--plot",
                      [*_inputs(args.layout, loaded.layout), args.weather, load_file])
    return 0 if sim.ok else 1


def _bar_printer(label: str):
    """A progress bar on stderr, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    label = one_line(label)

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label}: simulating [{'#' * filled}{'.' * (width - filled)}] "
                         f"{100 * done // max(total, 1):3d}%{end}")
        sys.stderr.flush()
    return show


def cmd_catalog(args) -> int:
    if getattr(args, "catalog_action", None) == "import":
        return cmd_catalog_import(args)
    sys.stdout.write(REPORTERS[args.format].catalog(list(builtin_rack_types().values())))
    return 0


# -- twin diff ---------------------------------------------------------------------------

DIFF_EXAMPLES = """\
examples:
  twin diff layouts/gb300-hall.yaml hall-derated.yaml
  twin diff layouts/gb300-hall.yaml --rev HEAD~1      # the working file against a commit
  twin diff hall.yaml --rev origin/main --format json

exit codes: 0 the new layout adds no error, 1 it adds an error, 2 usage problem
"""


def _diff_parser(sub) -> None:
    d = sub.add_parser("diff", help="what changed between two versions of a layout",
                       description="Compare two versions of a layout (two files, or a file "
                       "against a git revision): findings added and removed, every component "
                       "whose normal or worst-case N-1 margin changed, and the KPI deltas. "
                       "Exit 1 when the new version adds an error finding.",
                       epilog=DIFF_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    d.add_argument("layouts", nargs="+", metavar="LAYOUT",
                   help="OLD NEW, or one LAYOUT with --rev")
    d.add_argument("--rev", metavar="REV",
                   help="compare LAYOUT as committed at git revision REV (old) with the file "
                   "as it is now (new)")
    d.add_argument("--format", default="text",
                   choices=_formats("diff"))
    d.add_argument("--contingency", type=int, choices=(0, 1, 2), default=None,
                   help="override policy.contingency on both sides")
    _limit_args(d)


def cmd_diff(args) -> int:
    from twin.questions.diff import compare
    from twin.questions.revision import load_at_revision

    limits = _limits(args)
    if args.rev is not None:
        if len(args.layouts) != 1:
            raise UsageError("--rev takes one LAYOUT (compared with itself at REV)")
        path = args.layouts[0]
        old = load_at_revision(path, args.rev, limits=limits)
        new = api.load(path, limits=limits)
    else:
        if len(args.layouts) != 2:
            raise UsageError("give OLD and NEW, or one LAYOUT with --rev REV")
        old = api.load(args.layouts[0], limits=limits)
        new = api.load(args.layouts[1], limits=limits)
    result = compare(old, new, contingency=args.contingency)
    sys.stdout.write(REPORTERS[args.format].diff(result))
    return 1 if result.adds_error else 0


# -- twin schema -------------------------------------------------------------------------

def _schema_parser(sub) -> None:
    s = sub.add_parser("schema", help="print the JSON Schema of layout format v1",
                       description="Print the JSON Schema (draft 2020-12) of layout format v1, "
                       "generated from the loader's field tables, for editors with a YAML "
                       "language server (docs/schema.md).",
                       epilog="examples:\n  twin schema -o twin-layout.schema.json\n"
                       "  # then, first line of a layout:\n"
                       "  # yaml-language-server: $schema=twin-layout.schema.json\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("-o", "--output", metavar="OUT",
                   help="write to OUT (atomically) instead of stdout")
    s.add_argument("--draft", choices=("2020-12", "7"), default="2020-12",
                   help="JSON Schema dialect (default 2020-12; 7 for language servers that "
                   "implement draft-07 only)")


def cmd_schema(args) -> int:
    from twin.layout.json_schema import text

    if args.output:
        write_atomic(args.output, text(args.draft))
    else:
        sys.stdout.write(text(args.draft))
    return 0
# ---------------------------------------------------------------- catalog import, export

def _catalog_import_parser(c: argparse.ArgumentParser) -> None:
    sub = c.add_subparsers(dest="catalog_action", metavar="ACTION", parser_class=_Parser)
    i = sub.add_parser(
        "import", help="build rack types from NetBox device-type YAML files",
        description="Read NetBox device-type library files and print rack types built from\n"
        "them as a `catalog: rack_types:` snippet: it_kw is the sum of the devices'\n"
        "maximum_draw x count, weight from weight and weight_unit, liquid_fraction 0\n"
        "unless --liquid gives it. Problems (a power port without maximum_draw, unknown\n"
        "keys, implausible draws) go to stderr as file:line:col. Exit 1 when a file cannot\n"
        "be used or a rack type cannot be built. Details: docs/netbox.md.",
        epilog="examples:\n  twin catalog import devices/*.yaml --rack "
        "mi300x-x4=AS-8125GS-TNMR2*4\n  twin catalog import a.yaml b.yaml --rack "
        "r1=a*2,b*1 --liquid r1=0.8 --format json\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    i.add_argument("files", nargs="+", metavar="FILE", help="NetBox device-type YAML file(s)")
    i.add_argument("--rack", action="append", required=True, metavar="NAME=DEVICE*COUNT,...",
                   help="a rack type to build; DEVICE is a model, slug, part number or file "
                   "name (repeatable)")
    i.add_argument("--liquid", action="append", default=[], metavar="NAME=FRACTION",
                   help="liquid_fraction of rack type NAME (NetBox has no field for it)")
    i.add_argument("--format", dest="import_format", choices=sorted(REPORTERS), default=None,
                   help="text (a YAML snippet, the default) or json")


def cmd_catalog_import(args) -> int:
    from twin.layout.netbox_types import build_rack_type, parse_rack_spec, read_device_type

    fmt = args.import_format or args.format or "text"  # after `import`, or before it
    reporter = REPORTERS[fmt]
    if not hasattr(reporter, "catalog_import"):
        raise UsageError(f"--format {fmt}: not offered by `twin catalog import` (text, json)")
    specs = [parse_rack_spec(text) for text in args.rack]
    liquid = {}
    for text in args.liquid:
        name, _, value = text.partition("=")
        try:
            fraction = float(value)
        except ValueError:
            fraction = -1.0
        if not 0.0 <= fraction <= 1.0:
            raise UsageError(f"--liquid {text!r}: expected NAME=FRACTION with 0 <= FRACTION "
                             "<= 1")
        if name.strip() not in {s.name for s in specs}:
            raise UsageError(f"--liquid {text!r}: {name.strip()!r} is not a --rack name")
        liquid[name.strip()] = fraction
    devices, notes = [], []
    for path in args.files:
        device, more = read_device_type(path)
        notes += more
        if device is not None:
            devices.append(device)
    racks = []
    for spec in specs:
        rack, more = build_rack_type(spec, devices, liquid_fraction=liquid.get(spec.name, 0.0))
        notes += more
        if rack is not None:
            racks.append(rack)
    out, err = reporter.catalog_import(racks, notes)
    sys.stdout.write(out)
    sys.stderr.write(err)
    return 1 if any(n.severity == "error" for n in notes) else 0


def _export_parser(sub) -> None:
    x = sub.add_parser(
        "export", help="write the layout for OpenUSD, NetBox or Graphviz",
        description="Validate the layout and write it for other tools:\n"
        "  --usd     a folder of SimReady AI Factory packages, one per equipment type, and\n"
        "            scene.usda (docs/usd.md)\n"
        "  --netbox  a folder of NetBox bulk-import CSV files (docs/netbox.md)\n"
        "  --dot     one Graphviz file with a power and a cooling cluster (docs/export.md)\n"
        "Everything is written atomically. A folder must be new, empty, or twin's own\n"
        "earlier export (marked by .twin-export.json): only the files that marker lists\n"
        "are replaced, nothing else is touched (docs/export.md). Exit 1 when the layout\n"
        "has errors (the files are still written when it loads; the findings travel with\n"
        "the USD scene), 2 on a usage problem.",
        epilog="examples:\n  twin export layouts/gb300-hall.yaml --usd out/usd\n"
        "  twin export layouts/gb300-hall.yaml --netbox out/netbox --dot out/hall.dot\n"
        "  cd out/usd && simready-validate --profile AIF-Entity --version 0.2.0 "
        "--asset_list packages.txt\n",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    x.add_argument("layout", metavar="LAYOUT")
    x.add_argument("--usd", metavar="OUTDIR", help="write SimReady packages and scene.usda "
                   "(needs usd-core: pip install 'twin[usd]')")
    x.add_argument("--netbox", metavar="DIR", help="write NetBox bulk-import CSV files")
    x.add_argument("--dot", metavar="OUT", help="write a Graphviz DOT file")
    _limit_args(x)


def cmd_export(args) -> int:
    from twin.core import input_mode

    if not (args.usd or args.netbox or args.dot):
        raise UsageError("export: give at least one of --usd OUTDIR, --netbox DIR, --dot OUT")
    if args.usd:
        from twin.export.usd import require_usd
        require_usd()  # before anything is written
    limits = _limits(args)
    refuse_input(args.dot, [args.layout], "--dot")
    loaded = api.load(args.layout, limits=limits)
    report = api.validate(loaded)
    layout = loaded.layout
    blocking = report.snapshot is None  # L findings or a cycle: nothing to export
    errors = [f for f in report.findings if f.severity == "error"]
    sys.stderr.write("".join(f"{finding_line(f)}\n" for f in errors))
    if blocking:
        sys.stderr.write(_line(f"{args.layout}: not exported: fix the problems above"))
        return 1
    written = []
    inputs = _inputs(args.layout, layout)
    if args.dot:
        from twin.export.dot import dot
        text = dot(layout)  # an id DOT cannot hold is refused before anything is written
        _write_output(args.dot, text, "--dot", inputs)
        written.append(args.dot)
    if args.netbox:
        from twin.export.netbox import netbox_csvs, ratings_from_tree
        tree, _ = api.read_tree(args.layout, limits=limits)  # the ratings as written
        _write_folder(args.netbox, netbox_csvs(layout, ratings_from_tree(tree)),
                      layout=os.path.basename(args.layout), inputs=inputs)
        written.append(args.netbox)
    if args.usd:
        from twin.export.usd import export_usd
        from twin.questions.headroom import component_headroom
        roots = export_usd(args.usd, layout, findings=report.findings,
                           headroom=component_headroom(report.snapshot), kpis=report.kpis,
                           max_mode=input_mode(inputs), protect=inputs)
        written.append(f"{args.usd} ({len(roots)} package(s) and scene.usda)")
    sys.stdout.write("".join(_line(f"wrote {w}") for w in written))
    return 0 if report.ok else 1


def _write_folder(folder: str, files: dict[str, str], *, layout: str = "",
                  inputs=()) -> None:
    """Write ``files`` into the export folder ``folder`` as a set, by the rules of
    :mod:`twin.export.folder` (never a file twin did not write; the marker last)."""
    from twin.core import input_mode, write_atomic
    from twin.export.folder import building

    mode = input_mode(inputs)
    with building(folder, kind="netbox", flag="--netbox", layout=layout, max_mode=mode,
                  protect=inputs) as temp:
        for name, text in files.items():
            write_atomic(os.path.join(temp, name), text, max_mode=mode)


def _inputs(path: str, layout=None, tree=None) -> list[str]:
    """The layout file and the files it includes that hold its entries: what no output
    may replace, and whose permission bits cap the outputs' (docs/robustness.md)."""
    files = [path]
    if layout is not None:
        files += sorted({loc.file for _, loc in layout.locs if loc.file})
    if tree is not None:
        for entry in tree.entries.values():
            body = getattr(entry.value, "entries", {})
            files += sorted({e.file for e in (entry, *body.values()) if e.file})
    return list(dict.fromkeys(files))


def _write_output(path: str, data: str | bytes, flag: str, inputs) -> None:
    """Write one output file atomically: never over an input (by name, symbolic or hard
    link), never through a symbolic link, never more readable than the inputs."""
    from twin import core as atomic

    atomic.refuse_input(path, inputs, flag)
    atomic.write_atomic(path, data, max_mode=atomic.input_mode(inputs))


COMMANDS = {"validate": cmd_validate, "whatif": cmd_whatif, "expand": cmd_expand,
            "capacity": cmd_capacity, "report": cmd_report, "simulate": cmd_simulate,
            "catalog": cmd_catalog, "export": cmd_export, "diff": cmd_diff,
            "schema": cmd_schema}


def _never_fail_to_encode() -> None:
    """Write backslash escapes for what the console cannot encode, never a traceback.

    An ASCII or legacy code-page console cannot show every id, nor °C or m²; a stream
    that already escapes (surrogateescape in the C locale) is left as it is.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> int:
    _never_fail_to_encode()
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        sys.stderr.write(_line(f"twin: error: {exc}"))
        return 2
    except BrokenPipeError:  # `twin validate ... | head`
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("twin: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
