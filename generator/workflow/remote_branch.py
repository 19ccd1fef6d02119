"""A branch of a remote repository, read and extended with plain git, never rewritten.

A commit is made from a parent commit and one file in a throwaway index, so the work tree and
the current branch are never touched, and it is pushed without force: git refuses it unless the
branch still ends where it was read. A token reaches git only as an HTTP header set through the
environment (as actions/checkout does), never in a URL, an argument or a message.
"""

from __future__ import annotations

import base64
import os
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import CertgenError

BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
"""The identity of the commits the workflows make; GitHub maps the address to the bot's login."""
BOT_LOGIN = "github-actions[bot]"
GITHUB_SERVER = "https://github.com/"
_FIELD, _RECORD = "\x1f", "\x1e"


class GitError(CertgenError):
    """A git command failed; its message never holds the token."""


class PushRejected(GitError):
    """The remote refused the push: the branch moved since it was read."""


@dataclass(frozen=True)
class LocalCommit:
    sha: str
    author_email: str
    committer_email: str
    message: str


@dataclass(frozen=True)
class Remote:
    """A remote (``origin``) of the git repository at ``root``."""

    root: Path
    name: str
    token: str | None = field(default=None, repr=False)
    server: str = GITHUB_SERVER
    """The address the token is sent to, and only to it."""

    def tip(self, branch: str) -> str | None:
        """The commit ``branch`` ends at on the remote, or None when it has no such branch."""
        ref = f"refs/heads/{branch}"
        listed = self.git("ls-remote", "--heads", self.name, ref)
        found = [line.split("\t")[0] for line in listed.splitlines() if line.endswith(f"\t{ref}")]
        return found[0] if found else None

    def fetch(self, branch: str) -> str:
        """Fetch ``branch`` into ``refs/remotes/<remote>/<branch>``; the commit it ends at."""
        tracking = f"refs/remotes/{self.name}/{branch}"
        self.git("fetch", "--quiet", "--no-tags", self.name, f"+refs/heads/{branch}:{tracking}")
        return self.git("rev-parse", "--verify", f"{tracking}^{{commit}}").strip()

    def commits_between(self, base: str, tip: str) -> list[LocalCommit]:
        """The commits on ``tip`` that ``base`` has not, oldest first."""
        form = _FIELD.join(("%H", "%ae", "%ce", "%B")) + _RECORD
        listed = self.git("log", "--reverse", f"--format={form}", f"{base}..{tip}")
        records = [r.strip("\n") for r in listed.split(_RECORD) if r.strip("\n")]
        return [LocalCommit(*record.split(_FIELD, 3)) for record in records]

    def changed_files(self, base: str, tip: str) -> dict[str, str]:
        """Path -> A, M or D for what ``tip`` changes since it left ``base``."""
        listed = self.git("diff", "-z", "--name-status", "--no-renames", f"{base}...{tip}")
        fields = listed.split("\0")
        return {path: status[0] for status, path in zip(fields[0::2], fields[1::2], strict=False)}

    def read(self, commit: str, path: str) -> str | None:
        """The text of ``path`` at ``commit``, or None when it has no such file."""
        try:
            return self.git("show", f"{commit}:{path}")
        except GitError:
            return None

    def commit_file(self, parent: str, path: str, text: str, message: str) -> str | None:
        """A new commit on ``parent`` whose only change is ``path`` holding ``text``, made by
        the workflows' bot; None when ``parent`` holds that already."""
        with tempfile.TemporaryDirectory(prefix="certgen-index-") as folder:
            index = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
            self.git("read-tree", parent, env=index)
            blob = self.git("hash-object", "-w", "--stdin", stdin=text).strip()
            self.git("update-index", "--add", "--cacheinfo", f"100644,{blob},{path}", env=index)
            tree = self.git("write-tree", env=index).strip()
        if tree == self.git("rev-parse", f"{parent}^{{tree}}").strip():
            return None
        made_by = {"GIT_AUTHOR_NAME": BOT_NAME, "GIT_AUTHOR_EMAIL": BOT_EMAIL}
        made_by |= {"GIT_COMMITTER_NAME": BOT_NAME, "GIT_COMMITTER_EMAIL": BOT_EMAIL}
        return self.git(
            "commit-tree", tree, "-p", parent, "-F", "-", stdin=message, env=made_by
        ).strip()

    def push(self, commit: str, branch: str) -> None:
        """Point ``branch`` at ``commit``: a new branch, or one that ``commit`` extends. Never
        forced: raises PushRejected when the branch moved in between."""
        try:
            self.git("push", "--quiet", "--porcelain", self.name, f"{commit}:refs/heads/{branch}")
        except GitError as error:
            if "rejected" in str(error) or "non-fast-forward" in str(error):
                raise PushRejected(str(error)) from None
            raise

    def git(
        self, *arguments: str, stdin: str | None = None, env: dict[str, str] | None = None
    ) -> str:
        completed = subprocess.run(
            ["git", *arguments],
            cwd=self.root,
            input=stdin,
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=os.environ | self._credentials() | (env or {}),
            check=False,
        )
        if completed.returncode != 0:
            said = self._scrubbed(f"{completed.stderr.strip()} {completed.stdout.strip()}")
            raise GitError(f"git {arguments[0]} failed: {said.strip()}")
        return completed.stdout

    def _credentials(self) -> dict[str, str]:
        """Git configuration, through the environment, that sends the token as a header to
        ``server`` only; git then never prompts."""
        quiet = {"GIT_TERMINAL_PROMPT": "0"}
        if not self.token:
            return quiet
        count = int(os.environ.get("GIT_CONFIG_COUNT", "0") or 0)
        return quiet | {
            "GIT_CONFIG_COUNT": str(count + 1),
            f"GIT_CONFIG_KEY_{count}": f"http.{self.server}.extraheader",
            f"GIT_CONFIG_VALUE_{count}": f"AUTHORIZATION: basic {self._basic()}",
        }

    def _basic(self) -> str:
        return base64.b64encode(f"x-access-token:{self.token}".encode()).decode("ascii")

    def _scrubbed(self, text: str) -> str:
        for secret in (self.token, self._basic()) if self.token else ():
            text = text.replace(secret, "***")
        return text
