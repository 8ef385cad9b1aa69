"""Schemathesis against a live tokend behind a private nginx on loopback.

Generates requests from the served OpenAPI document (/api/v4/openapi.json), valid and invalid,
and checks that no answer is a 5xx and that every answer's status, content type and body match
the document. Operations that revoke, rotate, block or delete the caller are fuzzed last, each
with a fresh administrator, so they cannot lock the rest of the run out.

Bounded: a fixed seed, few examples per operation, a per-request timeout, loopback only.
Needs `schemathesis>=4,<5` (scripts/test installs it).
"""
import datetime
import json
import os
import subprocess
import sys
import urllib.request

import pytest

from conftest import cli, live_tokend

HERE = os.path.dirname(os.path.abspath(__file__))

# Operations that can take the caller's own token or account away, or the seeded group and project
# the other operations' examples name.
CALLER_DESTRUCTIVE = [
    "revokePersonalAccessTokenSelf",
    "rotatePersonalAccessTokenSelf",
    "revokePersonalAccessToken",
    "rotatePersonalAccessToken",
    "blockUser",
    "deleteUser",
    "deleteProject",
    "deleteGroup",
]
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,"
          "response_headers_conformance")
MAX_EXAMPLES = int(os.environ.get("TOKEND_SCHEMATHESIS_EXAMPLES", "50"))


def post(url, token, path, fields):
    request = urllib.request.Request(url + "/api/v4" + path, data=json.dumps(fields).encode(), method="POST",
                                     headers={"PRIVATE-TOKEN": token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def seed(binary, data):
    """alice (user 2, Developer of acme/web) with token 1; group and project 1."""
    cli(binary, data, "user", "create", "--username", "alice")
    cli(binary, data, "group", "create", "--name", "Acme", "--path", "acme", "--owner", "root")
    cli(binary, data, "project", "create", "--namespace", "acme", "--name", "Web")
    cli(binary, data, "member", "add", "--project", "acme/web", "--user", "alice", "--access-level", "developer")
    cli(binary, data, "token", "create", "--user", "alice", "--name", "alice-ci", "--scopes", "api")


@pytest.fixture(scope="module")
def service():
    """A fresh data directory with a group, a project, members and tokens; a worker; nginx."""
    with live_tokend("tokend-st.", seed) as service:
        url, token = service["url"], service["token"]
        # The ids the document's examples name: user 2 (alice), token 1 (alice's), project and group 1,
        # token 2 (root's), token 3 (the project bot's), token 4 (an impersonation token of alice).
        expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        assert post(url, token, "/projects/1/access_tokens", {"name": "bot", "scopes": ["api"]})["id"] == 3
        assert post(url, token, "/users/2/impersonation_tokens",
                    {"name": "imp", "scopes": ["api"], "expires_at": expires})["id"] == 4
        yield service


def schemathesis(service, token, *selection):
    """Runs `schemathesis run` on the served document; returns (exit code, output)."""
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", service["url"] + "/api/v4/openapi.json",
        "--header", f"PRIVATE-TOKEN: {token}", "--checks", CHECKS,
        "--phases", "examples,coverage,fuzzing", "--mode", "all", "--max-examples", str(MAX_EXAMPLES),
        "--seed", "8", "--generation-database", "none", "--generation-with-security-parameters", "false",
        "--request-timeout", "10", "--workers", "2", "--no-color", *selection,
    ]
    environment = dict(os.environ, SCHEMATHESIS_HOOKS=os.path.join(HERE, "schemathesis_hooks.py"))
    # Run in the scratch directory: schemathesis leaves a `.schemathesis/` cache in its working directory.
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=environment,
                            cwd=service["work"])
    return result.returncode, result.stdout + result.stderr


def test_every_answer_matches_the_document(service):
    excluded = [arg for op in CALLER_DESTRUCTIVE for arg in ("--exclude-operation-id", op)]
    code, output = schemathesis(service, service["token"], *excluded)
    assert code == 0, output
    assert service["worker"].poll() is None, "the worker died"


@pytest.mark.parametrize("operation", CALLER_DESTRUCTIVE)
def test_operations_that_disarm_the_caller_match_the_document(service, operation):
    admin = f"st-{operation.lower()}"
    cli(service["binary"], service["data"], "user", "create", "--username", admin, "--admin")
    token = cli(service["binary"], service["data"], "token", "create", "--user", admin, "--name", "st",
                "--scopes", "api,sudo")
    code, output = schemathesis(service, token, "--include-operation-id", operation)
    assert code == 0, output
    assert service["worker"].poll() is None, "the worker died"
