"""``twin whatif``: evaluate one failure set."""
from __future__ import annotations

import sys

from twin.cli import common
from twin.core import UsageError
from twin.reporters import REPORTERS


def add_parser(sub) -> None:
    w = sub.add_parser("whatif", help="evaluate one failure set",
                       description="Fail the given components together and show what is down, "
                       "what is overloaded, the UPS batteries that fall short and the KPIs "
                       "after. Exit 1 when a rack loses power or cooling, a component is over "
                       "its failover limit or a UPS battery is short.",
                       epilog="example:\n  twin whatif layouts/gb300-hall.yaml --fail mv-a\n",
                       formatter_class=common.RAW)
    w.add_argument("layout", metavar="LAYOUT")
    w.add_argument("--fail", action=common.Repeatable, required=True, metavar="ID[,ID...]",
                   help="component ids to fail together, comma-separated (repeatable: "
                   "--fail a --fail b fails both)")
    w.add_argument("--format", action=common.Once, choices=common.formats("whatif"), default="text")
    common.limit_args(w)


def run(args) -> int:
    from twin import api

    failed = args.fail
    if not failed:
        raise UsageError("--fail needs at least one component id")
    loaded = api.load(args.layout, limits=common.limits(args))
    result = api.whatif(loaded, failed)
    sys.stdout.write(REPORTERS[args.format].whatif(result))
    bad = (result.findings or result.racks_down or result.racks_without_cooling
           or result.overloaded or result.battery_short)
    return 1 if bad else 0
