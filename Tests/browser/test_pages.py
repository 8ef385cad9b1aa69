"""The pages in a real headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium), through a private nginx to a real worker on the JSON store: sign in, create a token
and use it against the API, rotate and revoke, escaping, CSRF from another origin, the open
redirect, the cookie's flags over HTTP, sign-out. Saves a screenshot of each page into
$TOKEND_SCREENSHOTS (default: a scratch directory)."""
import importlib.util
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.parse
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("compat_conftest", os.path.join(HERE, "..", "compat", "conftest.py"))
compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat)

PASSWORD = "correct horse battery"

pytestmark = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="Debian's chromium and chromium-driver are not installed")


def seed(binary, data):
    for name, admin in (("alice", False), ("boss", True)):
        compat.cli(binary, data, "user", "create", "--username", name, *(["--admin"] if admin else []))
        subprocess.run([binary, "user", "password", "--user", name, "--data", data], input=PASSWORD + "\n",
                       check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def service():
    with compat.live_tokend("tokend-browser.", seed=seed) as live:
        yield live


@pytest.fixture(scope="module")
def shots():
    directory = os.environ.get("TOKEND_SCREENSHOTS") or tempfile.mkdtemp(prefix="tokend-shots.", dir="/tmp")
    os.makedirs(directory, exist_ok=True)
    return directory


@pytest.fixture()
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()  # stops the chromedriver process it started, by its own PID


def sign_in(driver, url, user="alice", then=""):
    from selenium.webdriver.common.by import By
    driver.get(url + "/users/sign_in" + then)
    driver.find_element(By.ID, "user_login").send_keys(user)
    driver.find_element(By.ID, "user_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()


def api(url, path, token):
    request = urllib.request.Request(url + "/api/v4" + path, headers={"PRIVATE-TOKEN": token})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_sign_in_create_use_rotate_revoke_sign_out(service, browser, shots):
    from selenium.webdriver.common.by import By
    url = service["url"]
    browser.get(url + "/users/sign_in")
    browser.save_screenshot(os.path.join(shots, "sign_in.png"))
    sign_in(browser, url)
    assert browser.current_url == url + "/-/user_settings/personal_access_tokens"
    cookie = browser.get_cookie("_tokend_session")
    assert cookie["httpOnly"] and not cookie["secure"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"

    browser.find_element(By.ID, "token_name").send_keys("<script>alert(1)</script>")
    browser.find_element(By.ID, "scope_api").click()
    browser.find_element(By.CSS_SELECTOR, "form[action$='personal_access_tokens'] button.primary").click()
    value = browser.find_element(By.ID, "new_token_value").get_attribute("value")
    browser.save_screenshot(os.path.join(shots, "personal_access_tokens.png"))
    assert "<script>alert(1)</script>" in browser.find_element(By.CSS_SELECTOR, "#active-tokens ~ .table-wrap").text
    assert browser.execute_script("return document.querySelectorAll('main script').length") == 0
    assert api(url, "/user", value) == 200

    browser.find_element(By.LINK_TEXT, "Rotate").click()
    browser.save_screenshot(os.path.join(shots, "rotate_confirm.png"))
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    rotated = browser.find_element(By.ID, "new_token_value").get_attribute("value")
    assert api(url, "/user", value) == 401
    assert api(url, "/user", rotated) == 200

    browser.find_element(By.LINK_TEXT, "Revoke").click()
    browser.find_element(By.CSS_SELECTOR, "main form button.danger").click()
    assert api(url, "/user", rotated) == 401
    assert "Revoked" in browser.find_element(By.CSS_SELECTOR, "#inactive-tokens ~ .table-wrap").text

    browser.get(url + "/-/user_settings/password/edit")
    browser.save_screenshot(os.path.join(shots, "password.png"))
    browser.find_element(By.CSS_SELECTOR, "header form button").click()
    assert browser.current_url == url + "/users/sign_in"
    browser.get(url + "/-/user_settings/personal_access_tokens")
    assert browser.current_url.startswith(url + "/users/sign_in?redirect_to=")


def test_csrf_from_another_origin_and_open_redirect(service, browser):
    url = service["url"]
    sign_in(browser, url, then="?redirect_to=//evil.example")
    assert browser.current_url == url + "/-/user_settings/personal_access_tokens"
    session = browser.get_cookie("_tokend_session")["value"]
    csrf = browser.find_element("css selector", "input[name=authenticity_token]").get_attribute("value")
    form = urllib.parse.urlencode({"authenticity_token": csrf, "name": "forged", "scopes[]": "api"}).encode()
    for origin in ("http://evil.example", None):
        headers = {"Cookie": "_tokend_session=" + session, "Content-Type": "application/x-www-form-urlencoded"}
        if origin:
            headers["Origin"] = origin
        request = urllib.request.Request(url + "/-/user_settings/personal_access_tokens", data=form, headers=headers)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 422
    browser.refresh()
    assert "forged" not in browser.page_source


def test_admin_pages_and_blocking_ends_a_session(service, browser, shots):
    from selenium import webdriver
    url = service["url"]
    sign_in(browser, url, user="alice")
    alice_cookie = browser.get_cookie("_tokend_session")["value"]
    browser.delete_all_cookies()
    sign_in(browser, url, user="boss")
    for path, name in (("/admin/users", "admin_users"), ("/admin/credentials", "admin_credentials"),
                       ("/admin/audit_events", "admin_audit_events"),
                       ("/admin/users/alice/impersonation_tokens", "impersonation_tokens")):
        browser.get(url + path)
        assert browser.title.endswith("tokend"), path
        browser.save_screenshot(os.path.join(shots, name + ".png"))
    browser.get(url + "/admin/users")
    browser.find_element("css selector", "button[aria-label='Block alice']").click()
    request = urllib.request.Request(url + "/-/user_settings/personal_access_tokens",
                                     headers={"Cookie": "_tokend_session=" + alice_cookie})
    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(request, timeout=10)
    assert answer.value.code == 302 and answer.value.headers["Location"].startswith("/users/sign_in")
    browser.set_window_size(390, 844)
    browser.get(url + "/-/user_settings/personal_access_tokens")
    browser.save_screenshot(os.path.join(shots, "phone_width.png"))


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
