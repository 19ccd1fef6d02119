"""Every finding code of every stage, in pipeline order, with the stages' titles, and their
summaries as plain text for the terminal."""

from __future__ import annotations

import re

from generator.check.load import CODES as LOAD_CODES
from generator.check.rules import RULES
from generator.check.schema import CODES as SCHEMA_CODES
from generator.findings import Code

STAGE_TITLES = {
    "load": "Loading (YAML)",
    "schema": "Schema",
    "request": "Request rules",
    "repository": "Repository rules (across requests)",
    "data": "Reference data rules",
    "history": "History rules (against the base branch)",
    "records": "Frozen record rules (against the base branch)",
    "tree": "Working tree rules (what git tracks)",
    "approvals": "Approval rules (against the pull request's reviews on GitHub)",
}


def all_codes() -> dict[str, Code]:
    """Every finding code, in the order of the pipeline stages."""
    codes: dict[str, Code] = {**LOAD_CODES, **SCHEMA_CODES}
    for scope in ("request", "repository", "data", "history", "records", "tree", "approvals"):
        codes.update({c: r.code for c, r in sorted(RULES.items()) if r.scope == scope})
    return codes


_MARKUP = re.compile(r"``(.+?)``|<(https?://[^>\s]+)>")


def summary_text(code: Code) -> str:
    """A code's summary (its docstring's whole first paragraph) as plain text: ``code`` in
    quotes, <URL> as the address; for a terminal, where markup would show as written."""
    return _MARKUP.sub(lambda m: f"'{m[1]}'" if m[1] is not None else m[2], code.summary)
