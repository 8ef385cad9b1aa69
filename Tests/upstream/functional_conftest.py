"""tokend's fixtures for python-gitlab's functional tests.

Tests/upstream/run puts this file where upstream's tests/functional/conftest.py was: upstream's
starts a GitLab container with docker; this one starts a fresh tokend and a private nginx on
loopback (Tests/compat/conftest.py's live_tokend) for the whole session and supplies the
fixtures the selected tests use, built as upstream builds them. The tests themselves run
unchanged.
"""
import datetime
import importlib.util
import os
import pathlib
import uuid

import pytest

import gitlab
from tests.functional import helpers

_ROOT = os.environ["TOKEND_ROOT"]
_spec = importlib.util.spec_from_file_location("tokend_compat", os.path.join(_ROOT, "Tests", "compat", "conftest.py"))
_compat = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_compat)


@pytest.fixture(scope="session")
def tokend():
    with _compat.live_tokend("tokend-pgl.") as service:
        yield service


@pytest.fixture(scope="session")
def gitlab_url(tokend):
    return tokend["url"]


@pytest.fixture(scope="session")
def gitlab_token(tokend):
    """root's token (api, sudo), as upstream's set_token.rb makes one."""
    return tokend["token"]


@pytest.fixture(scope="session")
def temp_dir(tokend):
    """The session's own scratch directory, not the shared system one upstream uses."""
    return pathlib.Path(tokend["work"])


@pytest.fixture(scope="session")
def fixture_dir(test_dir):
    return test_dir / "functional" / "fixtures"


@pytest.fixture(scope="session")
def gitlab_config(gitlab_url, gitlab_token, temp_dir):
    config_file = temp_dir / "python-gitlab.cfg"
    config_file.write_text(
        f"[global]\ndefault = local\ntimeout = 60\n\n[local]\nurl = {gitlab_url}\n"
        f"private_token = {gitlab_token}\napi_version = 4\n",
        encoding="utf-8",
    )
    return config_file


@pytest.fixture(scope="session")
def gl(gitlab_url, gitlab_token):
    """The store is fresh, so there is nothing to reset."""
    instance = gitlab.Gitlab(gitlab_url, private_token=gitlab_token)
    instance.auth()
    return instance


@pytest.fixture(scope="session")
def gitlab_version(gl):
    version, revision = gl.version()
    major, minor, patch = version.split(".")
    return type("GitlabVersion", (), {"major": int(major), "minor": int(minor), "patch": patch, "revision": revision})


@pytest.fixture(scope="module")
def user(gl):
    _id = uuid.uuid4().hex
    user = gl.users.create(email=f"user{_id}@email.com", username=f"user{_id}", name=f"User {_id}",
                           password="E4596f8be406Bc3a14a4ccdb1df80587")
    yield user
    helpers.safe_delete(user)


@pytest.fixture(scope="module")
def project(gl):
    _id = uuid.uuid4().hex
    project = gl.projects.create(name=f"test-project-{_id}", remove_source_branch_after_merge=False)
    yield project
    helpers.safe_delete(project)


@pytest.fixture(scope="module")
def group(gl):
    _id = uuid.uuid4().hex
    group = gl.groups.create({"name": f"test-group-{_id}", "path": f"group-{_id}"})
    yield group
    helpers.safe_delete(group)


@pytest.fixture(scope="module")
def deploy_token(project):
    _id = uuid.uuid4().hex
    data = {"name": f"token-{_id}", "username": "root", "expires_at": datetime.date.today().isoformat(),
            "scopes": "read_registry"}
    return project.deploytokens.create(data)


@pytest.fixture(scope="module")
def group_deploy_token(group):
    _id = uuid.uuid4().hex
    data = {"name": f"group-token-{_id}", "username": "root", "expires_at": datetime.date.today().isoformat(),
            "scopes": "read_registry"}
    return group.deploytokens.create(data)
