"""The CLI's shape: one module per command, each with its parser and its run, and a
``twin --help`` that loads the parsers but nothing the commands compute with."""
from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from twin import cli

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize("name", cli.COMMANDS)
def test_every_command_is_a_module_with_its_parser_and_its_run(name):
    module = importlib.import_module(f"twin.cli.{name}")
    assert callable(module.add_parser) and callable(module.run)
    parser = cli._parser()
    args = parser.parse_args([name, *_required(name)])
    assert args.command == name


def _required(name: str) -> list[str]:
    """The fewest arguments ``name`` parses with."""
    return {"validate": ["x.yaml"], "whatif": ["x.yaml", "--fail", "a"],
            "expand": ["x.yaml"], "capacity": ["x.yaml", "--rack-type", "t"],
            "report": ["x.yaml"], "simulate": ["x.yaml"], "catalog": [],
            "export": ["x.yaml"], "diff": ["x.yaml"], "tier": ["x.yaml"], "schema": []}[name]


def test_the_parsers_load_nothing_the_commands_compute_with():
    code = ("import sys, twin.cli; twin.cli._parser(); "
            "heavy = [m for m in sys.modules if m.startswith(('twin.questions.capacity', "
            "'twin.questions.simulate', 'twin.questions.floorplan', 'twin.questions.diff', "
            "'twin.export.', 'twin.layout.json_schema', 'twin.layout.netbox_types', "
            "'twin.reporters.html_reporter', 'numpy', 'networkx'))]; "
            "print(sorted(heavy)[:5]); sys.exit(1 if heavy else 0)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
