"""Ansible's community.general GitLab modules (python-gitlab underneath) against a live tokend
behind nginx: each playbook runs twice and must report a change the first time and none the
second, as a configuration tool's idempotent re-run does.

Needs ansible-core with the community.general collection (the `ansible` package on PyPI ships
it; scripts/test installs it), python-gitlab, nginx and the tokend binary (TOKEND_BIN).
"""
import os
import re
import shutil
import subprocess
import sys
import textwrap
from datetime import date, timedelta

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "compat"))
from conftest import live_tokend  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("ansible-playbook") is None,
                                reason="ansible-playbook is not installed (pip install ansible)")

MODULES = ["gitlab_user", "gitlab_group", "gitlab_project", "gitlab_hook", "gitlab_group_members", "gitlab_project_members",
           "gitlab_group_access_token", "gitlab_project_access_token"]
RECAP = re.compile(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)")


@pytest.fixture(scope="module")
def tokend():
    with live_tokend("tokend-ansible.") as service:
        yield service


def run(tokend, name, tasks):
    """Runs one playbook of `tasks` (YAML; every GitLab module gets the connection through
    module_defaults) and returns (changed, output)."""
    url, token = tokend["url"], tokend["token"]
    connection = f'{{api_url: "{url}", api_token: "{token}", validate_certs: false}}'
    defaults = "".join(f"    community.general.{module}: {connection}\n" for module in MODULES)
    play = textwrap.dedent(f"""\
        - hosts: localhost
          connection: local
          gather_facts: false
          vars:
            ansible_python_interpreter: "{sys.executable}"
          module_defaults:
        """) + defaults + "  tasks:\n" + textwrap.indent(textwrap.dedent(tasks), "    ")
    path = os.path.join(tokend["work"], name + ".yml")
    with open(path, "w") as f:
        f.write(play)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=os.path.join(tokend["work"], "ansible-tmp"),
               ANSIBLE_HOME=os.path.join(tokend["work"], "ansible-home"), ANSIBLE_RETRY_FILES_ENABLED="0")
    result = subprocess.run(["ansible-playbook", path], capture_output=True, text=True, env=env, timeout=600)
    recap = RECAP.search(result.stdout)
    assert result.returncode == 0 and recap, result.stdout + result.stderr
    assert recap.group(4) == "0", result.stdout
    return int(recap.group(2)), result.stdout


def twice(tokend, name, tasks):
    first, output = run(tokend, name, tasks)
    assert first > 0, "the first run changed nothing:\n" + output
    second, output = run(tokend, name, tasks)
    assert second == 0, "the second run changed something:\n" + output


def test_user(tokend):
    twice(tokend, "user", """\
        - community.general.gitlab_user:
            name: Ann Example
            username: ann
            email: ann@example.com
            password: correct-horse-battery
            isadmin: false
            external: true
            state: present
        """)


def test_group_project_hook_and_members(tokend):
    twice(tokend, "group", """\
        - community.general.gitlab_group:
            name: Infra
            path: infra
            visibility: private
        """)
    twice(tokend, "project", """\
        - community.general.gitlab_project:
            name: Deploy
            group: infra
            visibility: private
            merge_method: ff
            issues_enabled: false
            lfs_enabled: true
            squash_option: always
        """)
    twice(tokend, "personal-project", """\
        - community.general.gitlab_project:
            name: Scratch
            wiki_enabled: false
        """)
    twice(tokend, "hook", """\
        - community.general.gitlab_hook:
            project: infra/deploy
            hook_url: https://hooks.example.com/gitlab
            push_events: true
            push_events_branch_filter: ""
            issues_events: true
            merge_requests_events: true
            tag_push_events: true
            job_events: false
            hook_validate_certs: true
            state: present
        """)
    run(tokend, "member-user", """\
        - community.general.gitlab_user:
            name: Bob Example
            username: bob
            email: bob@example.com
            password: correct-horse-battery
        """)
    twice(tokend, "group-members", """\
        - community.general.gitlab_group_members:
            gitlab_group: infra
            gitlab_user: bob
            access_level: developer
        """)
    twice(tokend, "project-members", """\
        - community.general.gitlab_project_members:
            project: infra/deploy
            gitlab_user: bob
            access_level: maintainer
        """)
    expires = (date.today() + timedelta(days=300)).isoformat()
    twice(tokend, "tokens", f"""\
        - community.general.gitlab_project_access_token:
            project: infra/deploy
            name: deployer
            scopes: ["read_api"]
            access_level: developer
            expires_at: "{expires}"
        - community.general.gitlab_group_access_token:
            group: infra
            name: infra-bot
            scopes: ["read_api"]
            access_level: developer
            expires_at: "{expires}"
        """)


def test_group_deleted_without_force(tokend):
    twice(tokend, "empty-group", """\
        - community.general.gitlab_group:
            name: Sandbox
            path: sandbox
        """)
    twice(tokend, "delete-group", """\
        - community.general.gitlab_group:
            name: Sandbox
            path: sandbox
            state: absent
        """)
