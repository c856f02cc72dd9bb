"""``twin report``: headroom and stranded capacity per hall and component."""
from __future__ import annotations

import os
import sys

from twin.cli import common
from twin.core import UsageError, refuse_input
from twin.reporters import REPORTERS


def add_parser(sub) -> None:
    r = sub.add_parser("report", help="headroom and stranded capacity per hall and component",
                       description="Per power and cooling component: normal and worst N-1 "
                       "utilization and margin in kW. Per hall: how many more racks of its "
                       "most common type fit, how many power alone and cooling alone would "
                       "allow, and the stranded power and cooling. Then the Uptime Tier the "
                       "topology reaches and the next tier's unmet rules (twin tier).",
                       epilog="examples:\n  twin report layouts/gb300-hall.yaml\n"
                       "  twin report layouts/gb300-hall.yaml --html hall.html\n",
                       formatter_class=common.RAW)
    r.add_argument("layout", metavar="LAYOUT")
    r.add_argument("--format", action=common.Once, choices=common.formats("headroom"),
                   default="text")
    r.add_argument("--html", action=common.Once, metavar="OUT",
                   help="also write a self-contained HTML report (KPIs, floor plans coloured "
                   "by N-1 margin, one-line diagrams, findings, failure sets) to OUT, "
                   "atomically; see docs/report.md")
    common.limit_args(r)


def run(args) -> int:
    from twin import api
    from twin.questions.headroom import headroom
    from twin.questions.tier import ask as tier_of

    if args.html and os.path.isdir(args.html):
        raise UsageError(f"--html: {args.html} is a directory")
    refuse_input(args.html, [args.layout], "--html")
    loaded = api.load(args.layout, limits=common.limits(args))
    reporter = REPORTERS[args.format]
    report = api.validate(loaded)
    snap = report.snapshot  # None when L findings or a cycle kept the physics from running
    if snap is None:
        out, err = reporter.validation([report])
        sys.stdout.write(out)
        sys.stderr.write(err)
        if args.html:
            sys.stderr.write(common.line(f"twin: {args.html} not written: fix the problems "
                                         "above"))
        return 1
    result = headroom(snap)
    tier = tier_of(snap)
    sys.stdout.write(reporter.headroom(result, tier))
    if args.html:
        inputs = common.inputs(args.layout, loaded.layout)
        _write_html_report(args.html, snap, report, result, inputs, tier)
    return 0 if report.ok else 1


def _write_html_report(path: str, snap, report, result, inputs=(), tier=None) -> None:
    """``twin report --html OUT``: build the page's model, render it, write it atomically."""
    from twin.questions.floorplan import build
    from twin.reporters.html_reporter import html

    common.write_output(path, html(build(snap, report, result, tier)), "--html", inputs)
    sys.stderr.write(common.line(f"twin: wrote {path}"))
