"""python-gitlab, unchanged, against tokend through nginx: the token calls it offers."""
import datetime

import gitlab
import pytest


@pytest.fixture
def gl(tokend):
    client = gitlab.Gitlab(tokend["url"], private_token=tokend["token"])
    client.auth()
    return client


def future(days):
    return (datetime.date.today() + datetime.timedelta(days=days)).isoformat()


def test_auth_and_version(gl):
    assert gl.user.username == "root"
    version, revision = gl.version()
    assert version.startswith("18.")


def test_users_and_personal_access_tokens(gl):
    user = gl.users.create({"username": "pyuser", "name": "Py User", "email": "py@example.com", "password": "x" * 12})
    assert gl.users.get(user.id).username == "pyuser"
    assert [u.username for u in gl.users.list(username="pyuser")] == ["pyuser"]
    created = user.personal_access_tokens.create({"name": "py-pat", "scopes": ["api", "read_user"]})
    assert created.token.startswith("glpat-")
    listed = gl.personal_access_tokens.list(user_id=user.id, get_all=True)
    assert [t.name for t in listed] == ["py-pat"]
    token = gl.personal_access_tokens.get(created.id)
    assert token.scopes == ["api", "read_user"] and token.active
    token.rotate(expires_at=future(10))
    assert token.token.startswith("glpat-") and token.expires_at == future(10)
    gl.personal_access_tokens.delete(token.id)
    assert gl.personal_access_tokens.get(token.id).revoked

    as_user = gitlab.Gitlab(gl.url, private_token=created.token)
    with pytest.raises(gitlab.exceptions.GitlabAuthenticationError):
        as_user.auth()


def test_self_token_and_impersonation(gl, tokend):
    own = gl.personal_access_tokens.get("self")
    assert own.name == "py"
    user = gl.users.create({"username": "impuser", "name": "Imp", "email": "imp@example.com", "password": "x" * 12})
    imp = user.impersonationtokens.create({"name": "support", "scopes": ["api"], "expires_at": future(5)})
    assert imp.impersonation is True
    assert [t.name for t in user.impersonationtokens.list(state="active")] == ["support"]
    acting = gitlab.Gitlab(tokend["url"], private_token=imp.token)
    acting.auth()
    assert acting.user.username == "impuser"
    user.impersonationtokens.delete(imp.id)
    with pytest.raises(gitlab.exceptions.GitlabAuthenticationError):
        acting.auth()


def test_errors_surface_as_python_gitlab_exceptions(gl):
    with pytest.raises(gitlab.exceptions.GitlabGetError) as error:
        gl.users.get(99999)
    assert error.value.response_code == 404
    with pytest.raises(gitlab.exceptions.GitlabCreateError) as error:
        gl.users.create({"username": "root", "name": "Again", "email": "admin@example.com", "password": "x" * 12})
    assert error.value.response_code == 409


def test_groups_projects_members_and_resource_access_tokens(gl):
    group = gl.groups.create({"name": "Py Group", "path": "pygroup"})
    project = gl.projects.create({"name": "Py App", "namespace_id": group.id})
    assert project.path_with_namespace == "pygroup/py-app"
    dev = gl.users.create({"username": "pydev", "name": "Py Dev", "email": "pydev@example.com", "password": "x" * 12})
    project.members.create({"user_id": dev.id, "access_level": gitlab.const.AccessLevel.DEVELOPER})
    assert [m.username for m in project.members.list(get_all=True)] == ["pydev"]
    # python-gitlab sends the full path URL-encoded (pygroup%2Fpy-app).
    same = gl.projects.get("pygroup/py-app")
    assert same.id == project.id

    created = same.access_tokens.create(
        {"name": "ci", "scopes": ["api"], "access_level": 30, "expires_at": future(30)})
    assert created.token.startswith("glpat-") and created.access_level == 30
    bot = gl.users.get(created.user_id)
    assert bot.bot and bot.username.startswith(f"project_{project.id}_bot_")
    assert [t.name for t in project.access_tokens.list(get_all=True)] == ["ci"]
    fetched = project.access_tokens.get(created.id)
    fetched.rotate(expires_at=future(5))
    assert fetched.token.startswith("glpat-") and fetched.expires_at == future(5)
    project.access_tokens.delete(fetched.id)
    assert project.access_tokens.get(fetched.id).revoked

    group_token = group.access_tokens.create({"name": "g", "scopes": ["read_api"], "access_level": 10})
    assert group_token.resource_type == "group"
    as_bot = gitlab.Gitlab(gl.url, private_token=group_token.token)
    assert as_bot.projects.get("pygroup/py-app").id == project.id

    with pytest.raises(gitlab.exceptions.GitlabGetError) as missing:
        gl.projects.get("pygroup/nope")
    assert missing.value.response_code == 404


def test_service_accounts_at_every_level(gl, tokend):
    """python-gitlab 8.6.0's ServiceAccount, GroupServiceAccount and ProjectServiceAccount
    managers with their tokens (upstream's functional tests cover the group create only)."""
    sa = gl.service_accounts.create({"name": "py-sa", "username": "py-sa"})
    assert (sa.username, sa.name) == ("py-sa", "py-sa") and sa.email.startswith("py-sa@")
    gl.service_accounts.update(sa.id, {"name": "Renamed"})
    assert [a.name for a in gl.service_accounts.list(order_by="username", sort="asc", get_all=True)] == ["Renamed"]

    group = gl.groups.create({"name": "SA group", "path": "sa-group"})
    gsa = group.service_accounts.create({})
    assert gsa.username.startswith(f"service_account_group_{group.id}_")
    token = gsa.access_tokens.create({"name": "ci", "scopes": ["api"], "expires_at": future(20)})
    assert token.token.startswith("glpat-") and token.expires_at == future(20)
    assert [t.name for t in gsa.access_tokens.list(state="active", get_all=True)] == ["ci"]
    old = token.token
    token.rotate(expires_at=future(3))
    assert token.token != old and token.expires_at == future(3)
    acting = gitlab.Gitlab(tokend["url"], private_token=token.token)
    acting.auth()
    assert acting.user.id == gsa.id
    with pytest.raises(gitlab.exceptions.GitlabAuthenticationError):
        gitlab.Gitlab(tokend["url"], private_token=old).auth()
    token.delete()
    with pytest.raises(gitlab.exceptions.GitlabAuthenticationError):
        acting.auth()
    gsa.name = "Group bot"
    gsa.save()
    assert [a.name for a in group.service_accounts.list(get_all=True)] == ["Group bot"]
    gsa.delete()
    assert group.service_accounts.list(get_all=True) == []

    project = gl.projects.create({"name": "SA project"})
    psa = project.service_accounts.create({"email": "psa@example.com"})
    assert psa.email == "psa@example.com"
    ptoken = psa.access_tokens.create({"name": "deploy", "scopes": ["read_api"]})
    ptoken.rotate()
    assert ptoken.token.startswith("glpat-")
    project.service_accounts.delete(psa.id)
    assert project.service_accounts.list(get_all=True) == []
