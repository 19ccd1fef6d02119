"""The few exceptions that mean "cannot continue": broken setup, never bad request data."""

from __future__ import annotations


class CertgenError(Exception):
    """A problem with the project's setup (missing schema, unreadable reference data folder)."""


class UsageError(CertgenError):
    """The command line asks for something that cannot be done (exit code 2)."""
