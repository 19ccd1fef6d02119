"""The rule registry and every rule module (importing this package registers them all)."""

from __future__ import annotations

from generator.check.rules import (
    data,
    destination,
    evidence,
    forms,
    frozen,
    goods,
    history,
    parties,
    records,
    repository,
    timing,
    tree,
)
from generator.check.rules.registry import (
    RULES,
    Context,
    Entry,
    Problem,
    Rule,
    rules_of,
    run_data_rules,
    run_history_rules,
    run_record_rules,
    run_repository_rules,
    run_request_rules,
    run_tree_rules,
)

__all__ = [
    "RULES",
    "Context",
    "Entry",
    "Problem",
    "Rule",
    "data",
    "destination",
    "evidence",
    "forms",
    "frozen",
    "goods",
    "history",
    "parties",
    "records",
    "repository",
    "rules_of",
    "run_data_rules",
    "run_history_rules",
    "run_record_rules",
    "run_repository_rules",
    "run_request_rules",
    "run_tree_rules",
    "timing",
    "tree",
]
