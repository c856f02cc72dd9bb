"""``twin capacity``: how many more racks of a type fit, where, and what binds."""
from __future__ import annotations

import sys

from twin.cli import common
from twin.core import UsageError, refuse_input
from twin.reporters import REPORTERS


def add_parser(sub) -> None:
    k = sub.add_parser("capacity", help="how many more racks of a type fit, where, and what binds",
                       description="Add racks of one type to the free positions of rows that "
                       "already hold racks (each copying the links of its nearest neighbour) "
                       "while every check, N-1 included, still passes. Exit 1 when --count "
                       "racks do not fit or the layout already has errors.",
                       epilog="examples:\n  twin capacity layouts/gb300-hall.yaml --rack-type "
                       "gb300-nvl72\n  twin capacity hall.yaml --rack-type gb300-nvl72 --hall "
                       "hall-2 --count 8 --write hall-plus-8.yaml\n",
                       formatter_class=common.RAW)
    k.add_argument("layout", metavar="LAYOUT")
    k.add_argument("--rack-type", action=common.Once, required=True, metavar="T",
                   help="rack type to add")
    k.add_argument("--hall", action=common.Repeatable, metavar="H[,H...]",
                   help="only these halls (repeatable)")
    k.add_argument("--count", type=int, action=common.Once, metavar="N",
                   help="do N racks fit? place at most N")
    k.add_argument("--write", action=common.Once, metavar="OUT",
                   help="write the layout with the racks added")
    k.add_argument("--format", action=common.Once, choices=common.formats("capacity"),
                   default="text")
    common.limit_args(k)


def run(args) -> int:
    from twin import api
    from twin.layout.edit import add_racks, check_racks_added
    from twin.layout.loader import did_you_mean
    from twin.layout.source import read_bytes
    from twin.questions.capacity import rack_types, search

    if args.count is not None and args.count < 1:
        raise UsageError("--count must be a positive number")
    limits = common.limits(args)
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
        sys.stderr.write(err + common.line(f"{args.layout}: fix the errors above before "
                                           "asking for capacity"))
        return 1
    layout = loaded.layout
    types = rack_types(layout)
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
            sys.stderr.write(common.line(f"twin: no rack fits: {args.write} not written"))
        else:
            racks = [p.entry() for p in result.placed]
            try:
                new = add_racks(data, racks, f"added by twin capacity: {len(racks)} x "
                                f"{rack_type.name}, links copied from their row")
                check_racks_added(data, new, racks, file=args.layout, old_layout=layout,
                                  limits=limits)
            except (ValueError, UnicodeDecodeError) as exc:
                raise UsageError(f"--write {args.write}: not written: {exc}") from None
            common.write_output(args.write, new, "--write", common.inputs(args.layout, layout))
    sys.stdout.write(reporter.capacity(result))
    return 0 if result.ok else 1
