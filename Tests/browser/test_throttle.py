"""The throttle on failed sign-ins, in the browser, on a worker of its own (the throttle counts
per client address, and every test here comes from 127.0.0.1): ten failed attempts read the same
as any failure, the eleventh, even with the right password, is refused until the window ends."""
import http.cookiejar
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_pages as pages  # noqa: E402  (the fixtures' helpers: seed, browser options, sign-in)

pytestmark = pages.pytestmark
browser = pages.browser


@pytest.fixture()
def service():
    with pages.compat.live_tokend("tokend-browser-throttle.", seed=pages.seed) as live:
        yield live


def test_failed_sign_ins_are_throttled(service, browser):
    from selenium.webdriver.common.by import By
    url = service["url"]
    for attempt in range(10):
        browser.get(url + "/users/sign_in")
        browser.find_element(By.ID, "user_login").send_keys("alice")
        browser.find_element(By.ID, "user_password").send_keys("not the password")
        pages.submit(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
        assert "Invalid login or password." in browser.page_source, attempt
        assert browser.get_cookie("_tokend_session") is None
    # The right password, from the same address, inside the window: refused, no session.
    pages.sign_in(browser, url, user="alice")
    assert "Retry later" in browser.page_source
    assert browser.get_cookie("_tokend_session") is None
    assert browser.current_url.startswith(url + "/users/sign_in")
    # The same from a client that opens the form first (its pre-session cookie and token).
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    with opener.open(url + "/users/sign_in", timeout=10) as page:
        csrf = re.search(r'name="authenticity_token" value="([^"]+)"', page.read().decode()).group(1)
    form = urllib.parse.urlencode({"authenticity_token": csrf, "user[login]": "alice", "user[password]": pages.PASSWORD}).encode()
    request = urllib.request.Request(url + "/users/sign_in", data=form, headers={"Origin": url})
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=10)
    assert refused.value.code == 429
