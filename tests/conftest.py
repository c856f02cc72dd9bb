"""Shared fixtures: lint inline YAML into exact (code, line, column, component) tuples."""
from __future__ import annotations

import textwrap

import pytest

import twin


def _report(text: str, **options) -> twin.Report:
    return twin.validate(twin.load_bytes(textwrap.dedent(text), "t.yaml"), **options)


@pytest.fixture
def report():
    """``report(yaml_text, contingency=None)``: the full validation report of inline YAML."""
    return _report


@pytest.fixture
def lint():
    """``lint(yaml_text, contingency=None)``: sorted ``(code, line, column, component)`` tuples."""
    def run(text: str, **options) -> list[tuple]:
        findings = _report(text, **options).findings
        return sorted((f.code, f.line, f.column, f.component) for f in findings)
    return run
