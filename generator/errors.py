"""The few exceptions that mean "cannot continue": broken setup, never bad request data."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generator.findings import Finding


class CertgenError(Exception):
    """A problem with the project's setup (missing schema, unreadable reference data folder)."""


class UsageError(CertgenError):
    """The command line asks for something that cannot be done (exit code 2)."""


class Refused(CertgenError):
    """The command would leave a record that breaks a rule; nothing was written (exit 1,
    with the findings)."""

    def __init__(self, message: str, findings: list[Finding] | None = None) -> None:
        super().__init__(message)
        self.findings = findings or []
