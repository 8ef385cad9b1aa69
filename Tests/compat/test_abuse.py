"""Abuse through nginx: large, repeated and deep inputs, with no token and with one, each answered
in bounded time (the requests time out otherwise), and the service still serves afterwards.

A correctness check that would have caught the security review's findings 3, 5 and 6, not a
benchmark: the bound is the client timeout, not a measured duration.
"""
import json
import random

import pytest
import requests

from conftest import live_tokend

TIMEOUT = 10  # seconds per request; before the fixes the first body below took over a minute


@pytest.fixture(scope="module")
def service():
    with live_tokend("tokend-abuse.") as s:
        yield s


def send(service, method, path, token=None, **kwargs):
    headers = kwargs.pop("headers", {})
    if token:
        headers["PRIVATE-TOKEN"] = token
    return requests.request(method, service["url"] + "/api/v4" + path, headers=headers, timeout=TIMEOUT, **kwargs)


FORM = {"Content-Type": "application/x-www-form-urlencoded"}
JSON = {"Content-Type": "application/json"}

BODIES = [
    ("repeated list fields", FORM, "scopes[]=api&" * 78_000),
    ("many distinct fields", FORM, "&".join(f"f{i}=1" for i in range(100_000))),
    ("deep JSON", JSON, "[" * 500_000 + "]" * 500_000),
    ("wide JSON", JSON, json.dumps({"scopes": [1] * 300_000})),
    ("long JSON number", JSON, '{"name":' + "9" * 900_000 + "}"),
    ("invalid UTF-8 form", FORM, bytes(random.Random(7).randrange(128, 256) for _ in range(900_000))),
]


@pytest.mark.parametrize("with_token", [False, True], ids=["anonymous", "token"])
@pytest.mark.parametrize("name,headers,body", BODIES, ids=[b[0] for b in BODIES])
def test_large_bodies_are_refused_quickly(service, with_token, name, headers, body):
    response = send(service, "POST", "/users/1/personal_access_tokens", service["token"] if with_token else None,
                    headers=dict(headers), data=body)
    assert response.status_code == 400, (name, response.text[:200])
    assert response.text == "Bad Request"


def test_long_strings_are_refused_with_gitlabs_message(service):
    token = service["token"]
    name = "n" * 900_000
    project = send(service, "POST", "/projects", token, json={"name": name})
    assert project.status_code == 400
    assert project.json() == {"message": {"name": ["is too long (maximum is 255 characters)"],
                                          "path": ["is too long (maximum is 255 characters)"]}}
    group = send(service, "POST", "/groups", token, json={"name": "g", "path": "g", "description": "d" * 900_000})
    assert group.status_code == 400
    pat = send(service, "POST", "/users/1/personal_access_tokens", token, json={"name": name, "scopes": ["api"]})
    assert pat.json() == {"message": {"name": ["is too long (maximum is 1000 characters)"]}}
    search = send(service, "GET", "/personal_access_tokens", token, params={"search": "s" * 5_000})
    assert search.status_code == 400
    many = "&".join(f"k{i}=v" for i in range(900))
    assert send(service, "GET", "/user?" + many, token).status_code == 200


def test_random_methods_do_not_grow_the_metrics(service):
    for i in range(300):
        method = "".join(random.Random(i).choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(12))
        send(service, method, "/personal_access_tokens/self")
    metrics = requests.get(service["url"] + "/-/metrics", timeout=TIMEOUT)
    assert metrics.status_code == 200
    series = [line for line in metrics.text.splitlines() if line.startswith("tokend_http_requests_total{")]
    assert len(series) < 30, series
    assert 'method="other"' in metrics.text


def test_the_service_still_answers(service):
    me = send(service, "GET", "/user", service["token"])
    assert me.status_code == 200
    assert me.json()["username"] == "root"
    assert requests.get(service["url"] + "/-/readiness", timeout=TIMEOUT).json()["status"] == "ok"
