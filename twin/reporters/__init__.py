"""Reporters by name: each turns results into text and never computes anything.

The CLI's ``--format`` choices come from :data:`REPORTERS`.
"""
from __future__ import annotations

from twin.reporters import json_reporter, junit_reporter, sarif_reporter, text_reporter

#: ``sarif`` and ``junit`` only offer ``validation`` (for CI); other commands reject them.
REPORTERS = {"text": text_reporter, "json": json_reporter, "sarif": sarif_reporter,
             "junit": junit_reporter}
