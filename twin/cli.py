"""The ``twin`` command: validate, whatif and catalog. Owns stdout, stderr and exit codes.

Exit codes: 0 no error found, 1 an error was found, 2 a usage problem (unknown flag,
missing file, bad option value).
"""
from __future__ import annotations

import argparse
import sys

from twin import api
from twin.catalog import builtin_rack_types
from twin.errors import UsageError
from twin.reporters import REPORTERS
from twin.source import MAX_BYTES, MAX_DEPTH, MAX_NODES, Limits

EXAMPLES = """\
examples:
  twin validate layouts/gb300-hall.yaml
  twin validate layouts/*.yaml --format json
  twin validate hall.yaml --contingency 2      # every double failure too
  twin whatif layouts/gb300-hall.yaml --fail ups-a1,ups-b1
  twin catalog

exit codes: 0 no error, 1 an error was found, 2 usage problem (bad flag, missing file)
"""


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and a one-line hint on usage errors."""

    def error(self, message):  # noqa: D102 - argparse API
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="twin", description="Digital twin of AI-factory power, cooling and space: "
                "validate layouts, ask what-if questions.", epilog=EXAMPLES,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"twin {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    v = sub.add_parser("validate", help="check layouts and print findings and KPIs",
                       description="Check layouts against every check of the catalog, N-1 "
                       "(or N-2) included, and print the findings.", epilog=EXAMPLES,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    v.add_argument("layouts", nargs="+", metavar="LAYOUT", help="layout YAML file(s)")
    v.add_argument("--format", choices=sorted(REPORTERS), default="text")
    v.add_argument("--contingency", type=int, choices=(0, 1, 2), default=None,
                   help="override policy.contingency: simultaneous failures to survive")
    _limit_args(v)
    v.add_argument("--no-progress", action="store_true", help="never show sweep progress")

    w = sub.add_parser("whatif", help="evaluate one failure set",
                       description="Fail the given components together and show what is down, "
                       "what is overloaded and the KPIs after. Exit 1 when a rack loses power "
                       "or cooling or a component is over its failover limit.",
                       epilog="example:\n  twin whatif layouts/gb300-hall.yaml --fail mv-a\n",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    w.add_argument("layout", metavar="LAYOUT")
    w.add_argument("--fail", required=True, metavar="ID[,ID...]",
                   help="component ids to fail, comma-separated")
    w.add_argument("--format", choices=sorted(REPORTERS), default="text")
    _limit_args(w)

    c = sub.add_parser("catalog", help="list the built-in rack types with their sources")
    c.add_argument("--format", choices=sorted(REPORTERS), default="text")
    return p


def _limit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--max-bytes", type=int, default=MAX_BYTES, metavar="N",
                   help=f"refuse larger files (default {MAX_BYTES:,})")
    p.add_argument("--max-nodes", type=int, default=MAX_NODES, metavar="N",
                   help=f"refuse files expanding to more YAML nodes (default {MAX_NODES:,})")
    p.add_argument("--max-depth", type=int, default=MAX_DEPTH, metavar="N",
                   help=f"refuse deeper nesting (default {MAX_DEPTH})")


def _version() -> str:
    from twin import __version__
    return __version__


def _limits(args) -> Limits:
    for name in ("max_bytes", "max_nodes", "max_depth"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be a positive number")
    return Limits(args.max_bytes, args.max_nodes, args.max_depth)


def _progress_printer(file: str):
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        sys.stderr.write(f"\r{file}: failure scenarios {done:,}/{total:,}{end}")
        sys.stderr.flush()
    return show


def cmd_validate(args) -> int:
    reporter = REPORTERS[args.format]
    limits = _limits(args)
    reports, usage = [], False
    for path in args.layouts:
        try:
            loaded = api.load(path, limits=limits)
            progress = None if args.no_progress else _progress_printer(path)
            reports.append(api.validate(loaded, contingency=args.contingency, progress=progress))
        except UsageError as exc:
            sys.stderr.write(f"twin: error: {exc}\n")
            usage = True
    out, err = reporter.validation(reports)
    sys.stdout.write(out)
    sys.stderr.write(err)
    if usage:
        return 2
    return 0 if all(r.ok for r in reports) else 1


def cmd_whatif(args) -> int:
    failed = [f.strip() for f in args.fail.split(",") if f.strip()]
    if not failed:
        raise UsageError("--fail needs at least one component id")
    loaded = api.load(args.layout, limits=_limits(args))
    result = api.whatif(loaded, failed)
    sys.stdout.write(REPORTERS[args.format].whatif(result))
    bad = result.findings or result.racks_down or result.racks_without_cooling or result.overloaded
    return 1 if bad else 0


def cmd_catalog(args) -> int:
    sys.stdout.write(REPORTERS[args.format].catalog(list(builtin_rack_types().values())))
    return 0


COMMANDS = {"validate": cmd_validate, "whatif": cmd_whatif, "catalog": cmd_catalog}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        sys.stderr.write(f"twin: error: {exc}\n")
        return 2
    except BrokenPipeError:  # `twin validate ... | head`
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("twin: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
