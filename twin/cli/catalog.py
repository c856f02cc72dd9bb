"""``twin catalog``: the built-in rack types; ``twin catalog import``: rack types from
NetBox device-type files."""
from __future__ import annotations

import sys

from twin.cli import common
from twin.core import UsageError
from twin.reporters import REPORTERS


def add_parser(sub) -> None:
    c = sub.add_parser("catalog", help="list the built-in rack types with their sources")
    c.add_argument("--format", action=common.Once, choices=common.formats("catalog"),
                   default="text")
    actions = c.add_subparsers(dest="catalog_action", metavar="ACTION",
                               parser_class=common.Parser)
    i = actions.add_parser(
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
        formatter_class=common.RAW)
    i.add_argument("files", nargs="+", metavar="FILE", help="NetBox device-type YAML file(s)")
    i.add_argument("--rack", action=common.Repeatable, split=False, required=True,
                   metavar="NAME=DEVICE*COUNT,...",
                   help="a rack type to build; DEVICE is a model, slug, part number or file "
                   "name (repeatable)")
    i.add_argument("--liquid", action=common.Repeatable, metavar="NAME=FRACTION",
                   help="liquid_fraction of rack type NAME (NetBox has no field for it; "
                   "repeatable, or comma-separated)")
    i.add_argument("--format", dest="import_format", action=common.Once,
                   choices=sorted(REPORTERS), default=None,
                   help="text (a YAML snippet, the default) or json")


def run(args) -> int:
    from twin.layout.catalog import builtin_rack_types

    if getattr(args, "catalog_action", None) == "import":
        return run_import(args)
    sys.stdout.write(REPORTERS[args.format].catalog(list(builtin_rack_types().values())))
    return 0


def run_import(args) -> int:
    from twin.layout.netbox_types import build_rack_type, parse_rack_spec, read_device_type

    before = common.Once.given(args, "format")
    if args.import_format and before and before != args.import_format:
        raise UsageError(f"--format given twice with different values: {before} and "
                         f"{args.import_format}; give it once")
    fmt = args.import_format or args.format or "text"  # after `import`, or before it
    reporter = REPORTERS[fmt]
    if not hasattr(reporter, "catalog_import"):
        raise UsageError(f"--format {fmt}: not offered by `twin catalog import` (text, json)")
    specs = [parse_rack_spec(text) for text in args.rack]
    seen = {}
    for spec, text in zip(specs, args.rack, strict=True):
        if spec.name in seen and seen[spec.name][0] != spec:
            raise UsageError(f"--rack {seen[spec.name][1]!r} and --rack {text!r} build two "
                             f"different rack types named {spec.name!r}; give it once")
        seen.setdefault(spec.name, (spec, text))
    specs = list(dict.fromkeys(specs))  # the same rack given twice is built once
    liquid, given = {}, {}
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
        if liquid.get(name.strip(), fraction) != fraction:
            raise UsageError(f"--liquid {given[name.strip()]!r} and --liquid {text!r} give "
                             f"{name.strip()!r} two different fractions; give it once")
        liquid[name.strip()] = fraction
        given.setdefault(name.strip(), text)
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
