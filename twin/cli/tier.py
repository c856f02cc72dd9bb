"""``twin tier``: the Uptime Tier a layout's topology reaches, and the next tier's unmet rules."""
from __future__ import annotations

import sys

from twin.cli import common
from twin.core import UsageError

TIER_EXAMPLES = """\
examples:
  twin tier layouts/gb300-hall.yaml
  twin tier layouts/*.yaml --format json
  twin tier hall.yaml --min-tier 3       # exit 1 when the design is below Tier III

A topology check of the layout as written against the rules of docs/format.md ("Tiers"),
after Uptime Institute's Tier Standard: Topology; not an Uptime certification.

exit codes: 0 every layout evaluated (and at --min-tier or above), 1 a layout below
--min-tier or not evaluated (load errors or a cycle), 2 usage problem
"""


def add_parser(sub) -> None:
    t = sub.add_parser("tier", help="the Uptime Tier (I-IV) a layout's topology reaches",
                       description="Evaluate the Tier rules (docs/format.md, \"Tiers\") and "
                       "print the tier each layout reaches, with its TIA-942 rating and EN 50600 "
                       "availability class, then every rule of the next tier up it does not meet, "
                       "at the line to fix.", epilog=TIER_EXAMPLES, formatter_class=common.RAW)
    t.add_argument("layouts", nargs="+", metavar="LAYOUT", help="layout YAML file(s)")
    t.add_argument("--format", action=common.Once, default="text",
                   choices=common.formats("tier"))
    t.add_argument("--min-tier", type=int, action=common.Once, choices=(1, 2, 3, 4),
                   default=None, metavar="N",
                   help="exit 1 when a layout reaches a lower tier than N (1 to 4)")
    common.limit_args(t)


def run(args) -> int:
    from twin import api
    from twin.reporters import REPORTERS

    limits = common.limits(args)
    reports, usage = [], False
    for path in args.layouts:
        try:
            reports.append(api.tier(api.load(path, limits=limits)))
        except UsageError as exc:
            sys.stderr.write(common.line(f"twin: error: {exc}"))
            usage = True
    sys.stdout.write(REPORTERS[args.format].tier(reports))
    if usage:
        return 2
    if not all(r.evaluated for r in reports):
        return 1
    if args.min_tier is not None and any(r.tier < args.min_tier for r in reports):
        return 1
    return 0
