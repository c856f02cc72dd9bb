"""JUnit XML reporter: one test suite per layout, one test case per check.

A check with error findings fails (the failure lists them as text lines); a check that
did not run because the layout did not load cleanly (L findings) or has a cycle (T001)
is skipped, and so is a check the layout did not ask for (R005-R009: no `groups:`, no
`events:`, no `policy.maintenance`, ...), with the reason; every other check passes, its
warnings and notes in ``system-out``.
Only ``validation`` is offered; other commands reject the format.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET

from twin.checks import registry
from twin.reporters.text_reporter import finding_line, one_line, related_lines


def _text(value: str) -> str:
    """An attribute value escaped as every line twin prints: nothing XML 1.0 cannot carry,
    no control or bidirectional character (the text lines are finding lines, escaped)."""
    return one_line(value)


def _ran(findings) -> tuple[tuple[str, ...], str]:
    """Families of checks that ran, and why the others did not."""
    if any(f.code.startswith("L") for f in findings):
        return ("layout",), "not run: the layout did not load cleanly (L findings)"
    if any(f.code == "T001" for f in findings):
        return ("layout", "topology"), "not run: the layout has a cycle (T001)"
    return (), ""


def _line(f) -> str:
    """The finding's line and, indented under it, its related locations."""
    return "\n".join((finding_line(f), *map(one_line, related_lines(f))))


def document(reports) -> ET.Element:
    """The ``<testsuites>`` element for some validation reports."""
    checks = list(registry().values())
    root = ET.Element("testsuites", name="twin validate")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for r in reports:
        families, why = _ran(r.findings)
        not_asked = dict(getattr(r, "not_asked", ()))
        by_code: dict[str, list] = {}
        for f in r.findings:
            by_code.setdefault(f.code, []).append(f)
        suite = ET.SubElement(root, "testsuite", name=_text(r.file))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        for c in checks:
            found = by_code.get(c.code, [])
            case = ET.SubElement(suite, "testcase", classname=_text(r.file),
                                 name=f"{c.code} {c.name}", file=_text(r.file))
            counts["tests"] += 1
            errors = [f for f in found if f.severity == "error"]
            others = [f for f in found if f.severity != "error"]
            if errors:
                counts["failures"] += 1
                failure = ET.SubElement(
                    case, "failure", type=c.code,
                    message=_text(f"{len(errors)} error finding(s): {errors[0].message}"))
                failure.text = "".join(f"{_line(f)}\n" for f in errors)
            elif families and c.family not in families and not found:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=why)
            elif not found and c.code in not_asked:
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=not_asked[c.code])
            if others:
                out = ET.SubElement(case, "system-out")
                out.text = "".join(f"{_line(f)}\n" for f in others)
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, str(value))
    return root


def validation(reports) -> tuple[str, str]:
    """JUnit XML on stdout; the text summary per layout on stderr (for CI logs)."""
    from twin.reporters.text_reporter import validation as text_validation

    root = document(reports)
    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode")
    _, summary = text_validation(reports)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{xml}\n', summary
