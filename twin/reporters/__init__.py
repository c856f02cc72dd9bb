"""Reporters by name: each turns results into text and never computes anything.

The CLI's ``--format`` choices come from :data:`REPORTERS`.
"""
from __future__ import annotations

from twin.reporters import json_reporter, text_reporter

REPORTERS = {"text": text_reporter, "json": json_reporter}
