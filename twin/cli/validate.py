"""``twin validate``: check layouts and print the findings and KPIs."""
from __future__ import annotations

import dataclasses
import os
import sys

from twin.cli import common
from twin.core import UsageError
from twin.reporters import REPORTERS


def add_parser(sub) -> None:
    v = sub.add_parser("validate", help="check layouts and print findings and KPIs",
                       description="Check layouts against every check of the catalog, N-1 "
                       "(or N-2) included, and print the findings.", epilog=common.EXAMPLES,
                       formatter_class=common.RAW)
    v.add_argument("layouts", nargs="+", metavar="LAYOUT", help="layout YAML file(s)")
    v.add_argument("--format", action=common.Once, choices=sorted(REPORTERS), default="text")
    v.add_argument("--contingency", type=int, action=common.Once, choices=(0, 1, 2), default=None,
                   help="override policy.contingency: simultaneous failures to survive")
    common.limit_args(v)
    v.add_argument("--no-progress", action="store_true", help="never show sweep progress")
    v.add_argument("--sarif-root", action=common.Once, metavar="DIR",
                   help="with --format sarif: write paths relative to DIR (default: the "
                   "current directory), DIR being the run's %%SRCROOT%%")


def run(args) -> int:
    from twin import api

    reporter = REPORTERS[args.format]
    limits = common.limits(args)
    reports, usage = [], False
    for path in args.layouts:
        try:
            loaded = api.load(path, limits=limits)
            progress = None if args.no_progress else common.progress_printer(path)
            report = api.validate(loaded, contingency=args.contingency, progress=progress)
            # Only the findings are printed: let each layout's snapshot go before the next.
            reports.append(dataclasses.replace(report, snapshot=None))
        except UsageError as exc:
            sys.stderr.write(common.line(f"twin: error: {exc}"))
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
