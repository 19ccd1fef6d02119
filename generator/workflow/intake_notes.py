"""What intake says when an edited issue does not reach its pull request: the request was
handled already, or its review has started and a reviewer takes the edit (the exact steps);
and how intake's comments show text it did not write (``issue_text``).

Every name GitHub or git gave (logins, addresses) and every answer of the requester is
escaped: it may mention no one and link nowhere.
"""

from __future__ import annotations

import re

from generator.check.report import markdown_text

_LIVE = re.compile(r"://|www\.|#", re.IGNORECASE)


def issue_text(text: str) -> str:
    """``text`` (the requester's words, or a name from GitHub or git) for a comment: shown as
    written (``markdown_text``: no formatting, no link syntax, no mention), and with a word
    joiner (U+2060) breaking what GitHub would still link in plain text: a URL's ``://``, a
    ``www.`` address and an issue reference's ``#``."""
    return _LIVE.sub(lambda found: found[0][0] + "\u2060" + found[0][1:], markdown_text(text))


def handled_note(pull: int) -> str:
    return (
        f"This request was handled in pull request #{pull}, which is closed, so intake changed "
        "nothing for this edit and does not reuse its branch. To ask for another certificate "
        "or a change to this one, open a new issue with the request form.\n"
    )


def reviewer_steps(issue: int, kind: str, preparer: str, request: str | None) -> str:
    """How a reviewer takes an issue's edit into its pull request: by hand, or by running
    intake again on the branch (a new commit, reviewed like any other)."""
    branch = f"request/issue-{issue}"
    target = f"`{request}`" if request else "the request file"
    into = request or "requests/<year>/<id>.yaml"
    return "\n".join(
        [
            f"A reviewer takes the edit in one of two ways, on branch `{branch}`:",
            "",
            f"- by hand: compare the issue (its *edited* menu shows each version) with "
            f"{target}, make the change and commit it;",
            "- or by running intake again on the branch, then reviewing its diff:",
            "",
            "  ```sh",
            f"  git fetch origin {branch} && git switch {branch}",
            f"  gh issue view {issue} --json body --jq .body > issue.md",
            f"  certgen intake issue.md --kind {kind} --by {preparer} --into {into}",
            "  git diff  # intake empties the document references: put the desk's back",
            f'  git commit -m "Issue #{issue} as edited" -- {into} && git push',
            "  ```",
            "",
            "The new commit needs a new approval before anything is issued.",
        ]
    )


def hands_off_note(issue: int, reasons: tuple[str, ...], steps: str) -> str:
    """The pull request's comment: why intake left it alone, and how a reviewer takes the
    edit."""
    why = "; ".join(issue_text(reason) for reason in reasons)
    return (
        f"Issue #{issue} was edited after the review of this pull request started ({why}). "
        f"Intake changed nothing here and never force-pushes.\n\n{steps}\n"
    )


def edit_not_taken_note(issue: int, pull: int | None, steps: str) -> str:
    """The issue's comment: the edit waits for a reviewer. The reasons, which name staff and
    their addresses, and the steps go on the pull request when there is one."""
    where = f"pull request #{pull}" if pull else f"branch `request/issue-{issue}`"
    told = f"The steps for the reviewer are on {where}." if pull else steps
    return (
        f"Thank you for the edit. The review of this request in {where} has started, so "
        "intake did not change it: a certification specialist decides whether to take the "
        f"edit, and may ask you about it here.\n\n{told}\n"
    )
