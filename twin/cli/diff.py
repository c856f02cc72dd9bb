"""``twin diff``: what changed between two versions of a layout."""
from __future__ import annotations

import sys

from twin.cli import common
from twin.core import UsageError
from twin.reporters import REPORTERS

DIFF_EXAMPLES = """\
examples:
  twin diff layouts/gb300-hall.yaml hall-derated.yaml
  twin diff layouts/gb300-hall.yaml --rev HEAD~1      # the working file against a commit
  twin diff hall.yaml --rev origin/main --format json

exit codes: 0 the new layout adds no error, 1 it adds an error, 2 usage problem
"""


def add_parser(sub) -> None:
    d = sub.add_parser("diff", help="what changed between two versions of a layout",
                       description="Compare two versions of a layout (two files, or a file "
                       "against a git revision): findings added and removed, every component "
                       "whose normal or worst-case N-1 margin changed, and the KPI deltas. "
                       "Exit 1 when the new version adds an error finding.",
                       epilog=DIFF_EXAMPLES, formatter_class=common.RAW)
    d.add_argument("layouts", nargs="+", metavar="LAYOUT",
                   help="OLD NEW, or one LAYOUT with --rev")
    d.add_argument("--rev", action=common.Once, metavar="REV",
                   help="compare LAYOUT as committed at git revision REV (old) with the file "
                   "as it is now (new)")
    d.add_argument("--format", action=common.Once, default="text",
                   choices=common.formats("diff"))
    d.add_argument("--contingency", type=int, action=common.Once, choices=(0, 1, 2), default=None,
                   help="override policy.contingency on both sides")
    common.limit_args(d)


def run(args) -> int:
    from twin import api
    from twin.questions.diff import compare
    from twin.questions.revision import load_at_revision

    limits = common.limits(args)
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
