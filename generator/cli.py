"""The ``certgen`` command line. ``main`` maps every outcome to an exit code:
0 no errors, 1 findings of error severity, 2 usage error, 3 unexpected failure. The commands
themselves are in generator/commands.py, imported only once a command runs."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from datetime import date

from generator import __version__
from generator.check.words import CANCEL_REASONS
from generator.errors import CertgenError, Refused, UsageError

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE, EXIT_FAILURE = 0, 1, 2, 3
COMMAND_MODULES = {
    "rules": "rule_commands",
    "explain": "rule_commands",
    "check": "check_command",
    "build": "build_command",
}
"""The commands kept apart from the others (``generator/commands.py``), so that they import
less: those that only read the codes' documentation (no register), check and build."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    try:
        module = COMMAND_MODULES.get(arguments.handler, "commands")
        commands = importlib.import_module(f"generator.{module}")
        return int(getattr(commands, f"_{arguments.handler}")(arguments))
    except UsageError as error:
        print(f"certgen: {error}", file=sys.stderr)
        return EXIT_USAGE
    except Refused as refused:
        from generator.check.report import text_line

        for finding in refused.findings:
            print(text_line(finding))
        print(f"certgen: refused: {refused}", file=sys.stderr)
        return EXIT_FINDINGS
    except CertgenError as error:
        print(f"certgen: cannot continue: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into a command that stopped reading (head)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_CLEAN
    except Exception as error:  # the one place that turns a bug into exit code 3
        print(f"certgen: unexpected failure: {error!r}; please report this", file=sys.stderr)
        return EXIT_FAILURE


def _day(text: str) -> date:
    """A --on date: YYYY-MM-DD, a day that exists."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a date that exists; write it YYYY-MM-DD, such as 2026-12-01"
        ) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="certgen", description="Organic trade certificates as code."
    )
    parser.add_argument("--version", action="version", version=f"certgen {__version__}")
    parser.add_argument(
        "--project", metavar="DIR", help="the certgen repository (default: found from here)"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    check = commands.add_parser("check", help="check requests against the schema and rules")
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help="files or folders (default: requests/)"
    )
    check.add_argument(
        "--format",
        choices=("text", "json", "github"),
        default="text",
        help="text (one line a finding), json, or github (workflow annotations, as in Actions)",
    )
    check.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: CPUs)")
    check.add_argument(
        "--base",
        metavar="REF",
        help="compare with this git ref (the pull request's base branch): published records "
        "may only be cancelled or superseded, never edited, deleted or reused",
    )
    check.add_argument(
        "--summary-file", metavar="FILE", help="also write the Markdown summary to FILE"
    )
    check.add_argument(
        "--summary-json",
        metavar="FILE",
        help="also write the summary the pull request comment is made from (JSON, at most "
        "1 MB; the pull request from the workflow's event)",
    )
    check.set_defaults(handler="check")

    show_command = commands.add_parser("show", help="print one request's derived facts")
    show_command.add_argument("path", metavar="PATH", help="a request file")
    show_command.add_argument(
        "--format", choices=("text", "json"), default="text", help="text, or json for machines"
    )
    show_command.set_defaults(handler="show")

    build_command = commands.add_parser(
        "build", help="check, then build the certificates and the site into a folder"
    )
    build_command.add_argument("--out", metavar="DIR", help="output folder (default: build/site)")
    build_command.add_argument(
        "--no-pdf", action="store_true", help="skip the PDFs (quick previews, benchmarks)"
    )
    build_command.add_argument("--jobs", type=int, metavar="N", help="worker processes")
    build_command.add_argument(
        "--timings", action="store_true", help="print how long each stage took"
    )
    build_command.add_argument(
        "--reuse-from",
        metavar="DIR_OR_URL",
        help="take issued PDFs missing from the cache from this built site (or 'published', "
        "the certifier's website) when their signature and record verify",
    )
    build_command.set_defaults(handler="build")

    serve = commands.add_parser(
        "serve",
        help="preview the site on a local address, rebuilt when a file changes; a failed "
        "build shows its findings here and on every page, over the last site that built",
    )
    serve.add_argument(
        "--dev-addr",
        default="127.0.0.1:8000",
        metavar="HOST:PORT",
        help="where to serve it (default 127.0.0.1:8000; port 0: any free port)",
    )
    serve.add_argument("--no-pdf", action="store_true", help="skip the PDFs (faster rebuilds)")
    serve.set_defaults(handler="serve")

    new = commands.add_parser("new", help="scaffold a request with the next free ID")
    new.add_argument("kind", choices=("import", "export"), help="an import or an export request")
    new.add_argument(
        "--exporter",
        required=True,
        metavar="OPERATION_ID",
        help="the exporter's OID operation ID (data/operations.yaml)",
    )
    new.add_argument("--by", required=True, metavar="HANDLE", help="who prepares the request")
    new.add_argument("--importer", metavar="OPERATION_ID", help="import: the US importer")
    new.add_argument("--destination", metavar="COUNTRY", help="export: ISO code, XI for NI")
    new.add_argument(
        "--mode",
        choices=("single_shipment", "multiple_shipments", "time_frame"),
        help="import certificates: one shipment, several shipments of a designated quantity, "
        "or a time frame",
    )
    new.add_argument(
        "--transport",
        choices=("truck", "rail", "ocean", "air"),
        help="how the goods travel: scaffolds the transport document it needs",
    )
    new.add_argument(
        "--service-level",
        metavar="ID",
        help="standard, priority, expedited or rush (data/services.yaml; default standard)",
    )
    new.add_argument("--base", metavar="REF", help="base branch for free IDs (default origin/main)")
    new.set_defaults(handler="new")

    issue = commands.add_parser("issue", help="record the reviewer's decision to issue")
    issue.add_argument("path", metavar="PATH", help="the request file")
    issue.add_argument(
        "--by", required=True, metavar="REVIEWER", help="the reviewer who decides (a handle)"
    )
    issue.add_argument("--number", metavar="OFFICIAL", help="number from OID, TRACES or e-NAQS")
    issue.add_argument("--on", metavar="YYYY-MM-DD", type=_day, help="issue date (default today)")
    issue.set_defaults(handler="issue")

    freeze = commands.add_parser(
        "freeze", help="keep the record of issued requests that have none yet in records/"
    )
    freeze.add_argument("paths", nargs="+", metavar="PATH", help="issued request files")
    freeze.set_defaults(handler="freeze")

    cancel = commands.add_parser("cancel", help="cancel an issued certificate")
    cancel.add_argument("path", metavar="PATH", help="the issued certificate's request file")
    cancel.add_argument(
        "--reason", required=True, choices=CANCEL_REASONS, help="why (shown in the register)"
    )
    cancel.add_argument(
        "--by", required=True, metavar="REVIEWER", help="the reviewer who decides (a handle)"
    )
    cancel.add_argument("--note", help="public explanation")
    cancel.add_argument(
        "--on",
        metavar="YYYY-MM-DD",
        type=_day,
        help="cancellation date (default today)",
    )
    cancel.set_defaults(handler="cancel")

    amend = commands.add_parser("amend", help="create the request that supersedes an issued one")
    amend.add_argument("path", metavar="PATH", help="the issued certificate's request file")
    amend.add_argument("--by", required=True, metavar="HANDLE", help="who prepares the amendment")
    amend.add_argument("--base", metavar="REF", help="base branch for free IDs")
    amend.set_defaults(handler="amend")

    intake_command = commands.add_parser(
        "intake",
        help="turn a GitHub issue form's body, or a request file from the site's request page, "
        "into a request, checked",
    )
    intake_command.add_argument(
        "body", metavar="FILE", nargs="?", help="the issue body; - for stdin"
    )
    intake_command.add_argument(
        "--file",
        metavar="REQUEST",
        help="instead of an issue body: a request file from the site's Request a certificate "
        "page, written under the next free ID",
    )
    intake_command.add_argument(
        "--kind", choices=("import", "export"), help="the issue form's kind (issue body only)"
    )
    intake_command.add_argument(
        "--by",
        required=True,
        metavar="HANDLE",
        help="the issue author's GitHub login (recorded as github:LOGIN), or the staff handle "
        "of who takes the file in",
    )
    intake_command.add_argument("--comment", metavar="FILE", help="write the issue comment here")
    intake_command.add_argument(
        "--write",
        action="store_true",
        help="write the request file when the issue body is complete (a --file is always written)",
    )
    intake_command.add_argument("--base", metavar="REF", help="base branch for free IDs")
    intake_command.add_argument(
        "--into",
        metavar="REQUEST",
        help="write the request over this file intake wrote before, keeping its ID (a reviewer "
        "taking an edited issue into its pull request)",
    )
    intake_command.add_argument(
        "--issue",
        metavar="N",
        help="bring the request to the pull request from branch request/issue-N into --base "
        "REMOTE/BRANCH: a new commit, never a force-push; a pull request under review or closed "
        "is left alone (GITHUB_REPOSITORY, GH_TOKEN)",
    )
    intake_command.set_defaults(handler="intake")

    queue = commands.add_parser(
        "queue",
        help="the desk's queue: every open request on the base branch and the open branches, "
        "most urgent first, with its due time",
    )
    queue.add_argument(
        "--base", metavar="REF", help="the base branch (default: origin/main, else main)"
    )
    queue.add_argument(
        "--remote",
        metavar="NAME",
        help="read the open branches of this remote (default: origin, when there is one)",
    )
    queue.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="a table for the terminal, JSON, or Markdown (the job summary, the issue)",
    )
    queue.add_argument(
        "--now",
        metavar="DATETIME",
        help="count the hours left from this moment (ISO 8601 with its offset; default: now)",
    )
    queue.add_argument(
        "--github",
        action="store_true",
        help="also ask GitHub for the open pull requests, forks' included (token in GH_TOKEN)",
    )
    queue.add_argument(
        "--label",
        action="store_true",
        help="label the pull requests due-today or overdue, and unlabel the others (--github)",
    )
    queue.add_argument(
        "--issue",
        action="store_true",
        help="keep the open issue labelled desk-queue showing the queue (--github)",
    )
    queue.add_argument("--repository", metavar="OWNER/NAME", help="default: GITHUB_REPOSITORY")
    queue.set_defaults(handler="queue")

    approvals = commands.add_parser(
        "approvals",
        help="check that each certificate a pull request decides is approved on GitHub by "
        "the reviewer it names (GitHub's REST API; token in GH_TOKEN or GITHUB_TOKEN)",
    )
    approvals.add_argument(
        "--pull-request", required=True, type=int, metavar="N", help="the pull request's number"
    )
    approvals.add_argument(
        "--base", required=True, metavar="REF", help="its base branch (staff are read from it)"
    )
    approvals.add_argument("--repository", metavar="OWNER/NAME", help="default: GITHUB_REPOSITORY")
    approvals.set_defaults(handler="approvals")

    comment = commands.add_parser(
        "comment",
        help="post the pull request comment, rendered by this certgen from the summary the "
        "checks wrote (check --summary-json), on the pull request a workflow_run checked",
    )
    comment.add_argument("summary", metavar="FILE", help="the checks' summary (untrusted)")
    comment.add_argument(
        "--event", metavar="FILE", help="the workflow_run event (default: GITHUB_EVENT_PATH)"
    )
    comment.add_argument("--repository", metavar="OWNER/NAME", help="default: GITHUB_REPOSITORY")
    comment.add_argument(
        "--output", metavar="FILE", help="write the comment here instead; GitHub is not asked"
    )
    comment.set_defaults(handler="comment")

    verify = commands.add_parser(
        "verify", help="check a certificate PDF or JSON record: signature, register, status"
    )
    verify.add_argument("path", metavar="FILE", help="a certificate PDF, or a JSON record")
    verify.add_argument(
        "--site", metavar="DIR_OR_URL", help="the built site (folder) or its address"
    )
    verify.set_defaults(handler="verify")

    rules = commands.add_parser("rules", help="list every finding code")
    rules.set_defaults(handler="rules")

    explain = commands.add_parser("explain", help="print the documentation of one code")
    explain.add_argument("code", metavar="CODE", help="a finding code, such as R111")
    explain.set_defaults(handler="explain")
    return parser
