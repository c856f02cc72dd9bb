"""What every ``twin`` command shares: the parser class, the limits flags, the line escaping,
the progress printers and the rules for writing an output file."""
from __future__ import annotations

import argparse
import os
import sys

from twin.core import UsageError
from twin.layout.source import (
    MAX_BYTES,
    MAX_COMPONENTS,
    MAX_DEPTH,
    MAX_FINDINGS,
    MAX_ID_LENGTH,
    MAX_INSTANCES,
    MAX_NODES,
    MAX_RACKS,
    Limits,
)
from twin.reporters import REPORTERS
from twin.reporters.text_reporter import one_line

EXAMPLES = """\
examples:
  twin validate layouts/gb300-hall.yaml
  twin validate layouts/*.yaml --format json
  twin validate hall.yaml --contingency 2      # every double failure too
  twin whatif layouts/gb300-hall.yaml --fail ups-a1,ups-b1
  twin expand layouts/campus-1gw.yaml -o campus-flat.yaml
  twin capacity layouts/gb300-hall.yaml --rack-type gb300-nvl72
  twin report layouts/gb300-hall.yaml --html hall.html
  twin simulate layouts/gb300-hall.yaml --weather site.epw --plot year.svg
  twin diff layouts/gb300-hall.yaml --rev HEAD~1
  twin tier layouts/*.yaml --min-tier 3        # the Uptime Tier each design reaches
  twin validate layouts/*.yaml --format sarif > twin.sarif
  twin export layouts/gb300-hall.yaml --usd out/usd --netbox out/netbox --dot hall.dot
  twin schema -o twin-layout.schema.json
  twin catalog

exit codes: 0 no error, 1 an error was found, 2 usage problem (bad flag, missing file)
"""

RAW = argparse.RawDescriptionHelpFormatter


class Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and a one-line hint on usage errors."""

    def error(self, message):  # noqa: D102 - argparse API
        self.print_usage(sys.stderr)
        self.exit(2, line(f"{self.prog}: error: {message}"))


class Once(argparse.Action):
    """A single-valued option. Given twice with the same value it is taken once; given twice
    with two different values it is a usage error (exit 2) naming the option and both
    values, where argparse alone would keep the last one without a word."""

    def __call__(self, parser, namespace, values, option_string=None):
        first = self.given(namespace, self.dest)
        if first is not None and first != values:
            parser.error(f"{'/'.join(self.option_strings)} given twice with different values: "
                         f"{first} and {values}; give it once")
        # One attribute per option, not one shared record: a subcommand's parser copies
        # its attributes over its parent's (``twin catalog --format X import --format Y``).
        setattr(namespace, f"_given_{self.dest}", values)
        setattr(namespace, self.dest, values)

    @staticmethod
    def given(namespace, dest: str):
        """The value the command line gave the option ``dest``, None when it gave none."""
        return getattr(namespace, f"_given_{dest}", None)


class Repeatable(argparse.Action):
    """A list-valued option: every repeat adds to the list, in the order given, a value given
    again is kept once. With ``split`` (the default) each value is also a comma-separated
    list and empty items are dropped (``--fail a,b --fail c``); without it each value is
    one item (a folder name or a ``NAME=A,B`` spec may hold a comma). The list starts
    empty."""

    def __init__(self, option_strings, dest, split: bool = True, **kwargs):
        kwargs.setdefault("default", [])
        super().__init__(option_strings, dest, **kwargs)
        self.split = split

    def __call__(self, parser, namespace, values, option_string=None):
        items = list(getattr(namespace, self.dest, None) or [])
        new = ([v.strip() for v in values.split(",") if v.strip()] if self.split
               else [values])
        setattr(namespace, self.dest, list(dict.fromkeys(items + new)))


def line(text: str) -> str:
    """A message line for stdout or stderr, escaped as every line twin prints."""
    return one_line(text) + "\n"


def formats(output: str) -> list[str]:
    """The reporters that can print ``output`` (``sarif`` and ``junit`` only do findings)."""
    return sorted(name for name, reporter in REPORTERS.items() if hasattr(reporter, output))


def limit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-bytes", type=int, action=Once, default=MAX_BYTES, metavar="N",
                   help=f"refuse larger files (default {MAX_BYTES:,})")
    p.add_argument("--max-nodes", type=int, action=Once, default=MAX_NODES, metavar="N",
                   help=f"refuse files expanding to more YAML nodes (default {MAX_NODES:,})")
    p.add_argument("--max-depth", type=int, action=Once, default=MAX_DEPTH, metavar="N",
                   help=f"refuse deeper nesting (default {MAX_DEPTH})")
    p.add_argument("--max-id-length", type=int, action=Once, default=MAX_ID_LENGTH,
                   metavar="N",
                   help=f"refuse longer component, rack and hall ids (default {MAX_ID_LENGTH})")
    p.add_argument("--max-racks", type=int, action=Once, default=MAX_RACKS, metavar="N",
                   help=f"refuse layouts expanding to more racks (default {MAX_RACKS:,})")
    p.add_argument("--max-components", type=int, action=Once, default=MAX_COMPONENTS,
                   metavar="N",
                   help="refuse layouts expanding to more power and cooling components and "
                   f"halls (default {MAX_COMPONENTS:,})")
    p.add_argument("--max-instances", type=int, action=Once, default=MAX_INSTANCES, metavar="N",
                   help="refuse layouts expanding to more block instances "
                   f"(default {MAX_INSTANCES:,})")
    p.add_argument("--include-root", action=Repeatable, split=False, metavar="DIR",
                   help="a folder `include:` may also read from, besides the layout's own "
                   "(repeatable; a layout on standard input has none of its own)")
    p.add_argument("--max-findings", type=int, action=Once, default=MAX_FINDINGS, metavar="N",
                   help=f"list at most N findings per layout, then one that counts the rest "
                   f"(default {MAX_FINDINGS:,})")


def limits(args) -> Limits:
    """The :class:`Limits` the limits flags ask for; a usage error when one is not usable."""
    for name in ("max_bytes", "max_nodes", "max_depth", "max_id_length", "max_racks",
                 "max_components", "max_instances", "max_findings"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number")
    for root in args.include_root:
        if not os.path.isdir(root):
            raise UsageError(f"--include-root: {root}: not a directory")
    return Limits(args.max_bytes, args.max_nodes, args.max_depth, args.max_id_length,
                  max_racks=args.max_racks, max_components=args.max_components,
                  max_instances=args.max_instances,
                  include_roots=tuple(args.include_root), max_findings=args.max_findings)


def progress_printer(file: str):
    """Failure scenarios done on stderr, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{one_line(file)}: failure scenarios {done:,}/{total:,}{end}")
        sys.stderr.flush()
    return show


def bar_printer(label: str):
    """A progress bar on stderr, when stderr is a terminal."""
    if not sys.stderr.isatty():
        return None
    label = one_line(label)

    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{label}: simulating [{'#' * filled}{'.' * (width - filled)}] "
                         f"{100 * done // max(total, 1):3d}%{end}")
        sys.stderr.flush()
    return show


def inputs(path: str, layout=None, tree=None) -> list[str]:
    """The layout file and the files it includes that hold its entries: what no output
    may replace, and whose permission bits cap the outputs' (docs/robustness.md)."""
    files = [path]
    if layout is not None:
        files += sorted({loc.file for _, loc in layout.locs if loc.file})
    if tree is not None:
        for entry in tree.entries.values():
            body = getattr(entry.value, "entries", {})
            files += sorted({e.file for e in (entry, *body.values()) if e.file})
    return list(dict.fromkeys(files))


def write_output(path: str, data: str | bytes, flag: str, inputs) -> None:
    """Write one output file atomically: never over an input (by name, symbolic or hard
    link), never through a symbolic link, never more readable than the inputs."""
    from twin import core as atomic

    atomic.refuse_input(path, inputs, flag)
    atomic.write_atomic(path, data, max_mode=atomic.input_mode(inputs))
