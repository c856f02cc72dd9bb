"""The ``twin`` command and its subcommands. Owns stdout, stderr and exit codes.

Exit codes: 0 no error found, 1 an error was found, 2 a usage problem (unknown flag,
missing file, bad option value).

One module per command (``twin.cli.validate``, ``twin.cli.whatif``, ...), each with its
``add_parser(sub)`` and its ``run(args) -> int``; what they share is in
:mod:`twin.cli.common`. A command module imports what it computes with only when it runs,
so that ``twin --help`` loads no more than the parsers need.
"""
from __future__ import annotations

import argparse
import gc
import importlib
import sys

from twin.cli.common import EXAMPLES, Parser, line
from twin.core import UsageError

#: The commands, in the order ``twin --help`` lists them; each is the module twin.cli.NAME.
COMMANDS = ("validate", "whatif", "expand", "capacity", "report", "simulate", "catalog",
            "export", "diff", "tier", "schema")


def _command(name: str):
    return importlib.import_module(f"twin.cli.{name}")


def _parser() -> argparse.ArgumentParser:
    p = Parser(prog="twin", description="Digital twin of AI-factory power, cooling and space: "
               "validate layouts, ask what-if questions.", epilog=EXAMPLES,
               formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"twin {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True
    for name in COMMANDS:
        _command(name).add_parser(sub)
    return p


def _version() -> str:
    from twin.core import VERSION as __version__
    return __version__


def _never_fail_to_encode() -> None:
    """Write backslash escapes for what the console cannot encode, never a traceback.

    An ASCII or legacy code-page console cannot show every id, nor °C or m²; a stream
    that already escapes (surrogateescape in the C locale) is left as it is.
    """
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            reconfigure(errors="backslashreplace")


#: The cyclic garbage collector's thresholds while a command runs. A command builds one
#: large, long-lived graph (the layout, its network) and then allocates short-lived,
#: acyclic records by the million (a failure set's deltas), which reference counting
#: frees; at Python's default (700, 10, 10) the collector walks the whole layout again
#: and again for nothing. On the flat 1 GW campus this takes `twin validate` from 1.16x
#: to 0.89x of a bare C-loader parse, at the same peak memory (docs/benchmarks.md).
GC_THRESHOLDS = (50_000, 20, 100)


def main(argv: list[str] | None = None) -> int:
    _never_fail_to_encode()
    args = _parser().parse_args(argv)
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        return _command(args.command).run(args)
    except UsageError as exc:
        sys.stderr.write(line(f"twin: error: {exc}"))
        return 2
    except BrokenPipeError:  # `twin validate ... | head`
        return 0
    except KeyboardInterrupt:
        sys.stderr.write("twin: interrupted\n")
        return 130
    finally:
        gc.set_threshold(*before)  # main() may run inside a longer process (tests, notebooks)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
