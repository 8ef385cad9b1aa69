"""A session past its idle timeout, in the browser: a worker with the shortest timeout there is
(TOKEND_SESSION_EXPIRE_DELAY=1, one minute, GitLab's setting is in minutes too), a signed-in
browser that then waits, untouched, past it, and is sent to sign in on its next page. The wait
is the one real-time wait of these tests (the rule itself is tested with an injected clock in
SignInServiceTests); it runs beside the Swift suites in make test."""
import os
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_pages as pages  # noqa: E402

pytestmark = pages.pytestmark
browser = pages.browser


@pytest.fixture()
def service():
    os.environ["TOKEND_SESSION_EXPIRE_DELAY"] = "1"
    try:
        with pages.compat.live_tokend("tokend-browser-idle.", seed=pages.seed) as live:
            yield live
    finally:
        del os.environ["TOKEND_SESSION_EXPIRE_DELAY"]


def test_a_session_past_its_idle_timeout_ends(service, browser):
    url = service["url"]
    page = url + "/-/user_settings/personal_access_tokens"
    pages.sign_in(browser, url, user="alice")
    assert browser.current_url == page
    time.sleep(65)  # one minute unused, and a little more
    browser.get(page)
    assert browser.current_url.startswith(url + "/users/sign_in?redirect_to="), browser.current_url
