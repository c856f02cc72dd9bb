"""``twin export``: write the layout for OpenUSD, NetBox or Graphviz."""
from __future__ import annotations

import os
import sys

from twin.cli import common
from twin.core import UsageError, refuse_input
from twin.reporters.text_reporter import finding_line


def add_parser(sub) -> None:
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
        formatter_class=common.RAW)
    x.add_argument("layout", metavar="LAYOUT")
    x.add_argument("--usd", action=common.Once, metavar="OUTDIR",
                   help="write SimReady packages and scene.usda "
                   "(needs usd-core: pip install 'twin[usd]')")
    x.add_argument("--netbox", action=common.Once, metavar="DIR",
                   help="write NetBox bulk-import CSV files")
    x.add_argument("--dot", action=common.Once, metavar="OUT", help="write a Graphviz DOT file")
    common.limit_args(x)


def run(args) -> int:
    from twin import api
    from twin.core import input_mode

    if not (args.usd or args.netbox or args.dot):
        raise UsageError("export: give at least one of --usd OUTDIR, --netbox DIR, --dot OUT")
    if args.usd:
        from twin.export.usd import require_usd
        require_usd()  # before anything is written
    limits = common.limits(args)
    refuse_input(args.dot, [args.layout], "--dot")
    loaded = api.load(args.layout, limits=limits)
    report = api.validate(loaded)
    layout = loaded.layout
    blocking = report.snapshot is None  # L findings or a cycle: nothing to export
    errors = [f for f in report.findings if f.severity == "error"]
    sys.stderr.write("".join(f"{finding_line(f)}\n" for f in errors))
    if blocking:
        sys.stderr.write(common.line(f"{args.layout}: not exported: fix the problems above"))
        return 1
    written = []
    inputs = common.inputs(args.layout, layout)
    if args.dot:
        from twin.export.dot import dot
        text = dot(layout)  # an id DOT cannot hold is refused before anything is written
        common.write_output(args.dot, text, "--dot", inputs)
        written.append(args.dot)
    if args.netbox:
        from twin.export.folder import write_folder
        from twin.export.netbox import netbox_csvs
        write_folder(args.netbox, netbox_csvs(layout), kind="netbox",
                     flag="--netbox", layout=os.path.basename(args.layout), inputs=inputs)
        written.append(args.netbox)
    if args.usd:
        from twin.export.usd import export_usd
        from twin.questions.headroom import component_headroom
        roots = export_usd(args.usd, layout, findings=report.findings,
                           headroom=component_headroom(report.snapshot), kpis=report.kpis,
                           max_mode=input_mode(inputs), protect=inputs)
        written.append(f"{args.usd} ({len(roots)} package(s) and scene.usda)")
    sys.stdout.write("".join(common.line(f"wrote {w}") for w in written))
    return 0 if report.ok else 1
