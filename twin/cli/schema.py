"""``twin schema``: print the JSON Schema of layout format v1."""
from __future__ import annotations

import sys

from twin.cli import common
from twin.core import write_atomic


def add_parser(sub) -> None:
    s = sub.add_parser("schema", help="print the JSON Schema of layout format v1",
                       description="Print the JSON Schema (draft 2020-12) of layout format v1, "
                       "generated from the loader's field tables, for editors with a YAML "
                       "language server (docs/schema.md).",
                       epilog="examples:\n  twin schema -o twin-layout.schema.json\n"
                       "  # then, first line of a layout:\n"
                       "  # yaml-language-server: $schema=twin-layout.schema.json\n",
                       formatter_class=common.RAW)
    s.add_argument("-o", "--output", action=common.Once, metavar="OUT",
                   help="write to OUT (atomically) instead of stdout")
    s.add_argument("--draft", action=common.Once, choices=("2020-12", "7"), default="2020-12",
                   help="JSON Schema dialect (default 2020-12; 7 for language servers that "
                   "implement draft-07 only)")


def run(args) -> int:
    from twin.layout.json_schema import text

    if args.output:
        write_atomic(args.output, text(args.draft))
    else:
        sys.stdout.write(text(args.draft))
    return 0
