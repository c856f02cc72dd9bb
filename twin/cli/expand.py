"""``twin expand``: print the flat v1 layout that blocks expand to."""
from __future__ import annotations

import os
import sys

from twin.cli import common
from twin.core import UsageError, refuse_input
from twin.reporters.text_reporter import finding_line, one_line


def add_parser(sub) -> None:
    e = sub.add_parser("expand", help="print the flat v1 layout that blocks expand to",
                       description="Expand includes, blocks, instances and ranges and print "
                       "the equivalent flat layout (format v1, one line per entry). Exit 1 "
                       "when the layout cannot be expanded (its problems go to stderr).",
                       epilog="example:\n  twin expand layouts/campus-1gw.yaml -o flat.yaml\n",
                       formatter_class=common.RAW)
    e.add_argument("layout", metavar="LAYOUT")
    e.add_argument("-o", "--output", action=common.Once, metavar="OUT",
                   help="write to OUT (atomically: a temporary file, then a rename) "
                   "instead of stdout")
    common.limit_args(e)


def run(args) -> int:
    from twin import api
    from twin.layout.edit import check_reads_back
    from twin.layout.emit import emit

    path = args.layout
    refuse_input(args.output, [path], "-o")
    limits = common.limits(args)
    tree, findings = api.read_tree(path, limits=limits)
    if findings or tree is None:
        sys.stderr.write("".join(f"{finding_line(f)}\n" for f in findings))
        sys.stderr.write(common.line(f"{path}: not expanded: fix the problems above"))
        return 1
    text = (f"# Flat layout expanded by `twin expand` from {one_line(os.path.basename(path))}; "
            "edit that file, not this one.\n" + emit(tree))
    if args.output:
        try:
            check_reads_back(text, tree, limits)
        except ValueError as exc:
            raise UsageError(f"-o {args.output}: not written: {exc}") from None
        common.write_output(args.output, text, "-o", common.inputs(path, tree=tree))
    else:
        sys.stdout.write(text)
    return 0
