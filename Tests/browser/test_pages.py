"""The pages in a real headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium), through a private nginx to a real worker, on the JSON store and on PostgreSQL: sign in, create a token
and use it against the API, rotate and revoke, escaping, CSRF from another origin, the open
redirect, the cookie's flags over HTTP, sign-out, a project's deploy tokens on its repository settings. Saves a screenshot of each page into
$TOKEND_SCREENSHOTS (default: a scratch directory)."""
import contextlib
import importlib.util
import os
import sys
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("compat_conftest", os.path.join(HERE, "..", "compat", "conftest.py"))
compat = importlib.util.module_from_spec(spec)
spec.loader.exec_module(compat)
sys.path.insert(0, HERE)
import postgres  # noqa: E402  (Tests/browser/postgres.py)

PASSWORD = "correct horse battery"

pytestmark = pytest.mark.skipif(
    not (shutil.which("chromium") and shutil.which("chromedriver")),
    reason="Debian's chromium and chromium-driver are not installed")


def seed(binary, data):
    """alice and dave, boss an admin, each with PASSWORD; the project acme/web-app, where alice is
    a Maintainer and dave a Developer."""
    for name, admin in (("alice", False), ("boss", True), ("dave", False)):
        compat.cli(binary, data, "user", "create", "--username", name, *(["--admin"] if admin else []))
        subprocess.run([binary, "user", "password", "--user", name, "--data", data], input=PASSWORD + "\n",
                       check=True, capture_output=True, text=True)
    compat.cli(binary, data, "group", "create", "--name", "acme", "--owner", "boss")
    compat.cli(binary, data, "project", "create", "--namespace", "acme", "--name", "Web App")
    for name, level in (("alice", "maintainer"), ("dave", "developer")):
        compat.cli(binary, data, "member", "add", "--project", "acme/web-app", "--user", name, "--access-level", level)


@pytest.fixture(scope="module", params=["json", "postgres"])
def service(request):
    """The worker behind nginx on the JSON store, then on PostgreSQL (a private cluster)."""
    with live_service(request.param, "tokend-browser.") as live:
        yield live


@contextlib.contextmanager
def live_service(backend, prefix):
    """compat's live_tokend, seeded with alice and boss, on `backend`: for PostgreSQL every tokend
    this process starts (the CLI and the worker) gets TOKEND_STORE while the service lives."""
    if backend == "json":
        with compat.live_tokend(prefix, seed=seed) as live:
            yield live
        return
    reason = postgres.unavailable()
    if reason:
        pytest.skip(reason)
    with postgres.cluster(compat.free_port()) as url:
        os.environ["TOKEND_STORE"] = url
        try:
            with compat.live_tokend(prefix, seed=seed) as live:
                yield live
        finally:
            del os.environ["TOKEND_STORE"]


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
                     "--window-size=1280,900", "--no-first-run", "--disable-extensions",
                     "--ignore-certificate-errors"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()  # stops the chromedriver process it started, by its own PID


def submit(driver, element):
    """Clicks a button or link that loads a page, and waits (at most 30 s) until the old page is gone."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait
    element.click()

    def gone(_):
        try:
            element.is_enabled()
            return False
        except WebDriverException:  # stale, or a node of a document that is no longer there
            return True
    WebDriverWait(driver, 30).until(gone)


def sign_in(driver, url, user="alice", then=""):
    from selenium.webdriver.common.by import By
    driver.get(url + "/users/sign_in" + then)
    driver.find_element(By.ID, "user_login").send_keys(user)
    driver.find_element(By.ID, "user_password").send_keys(PASSWORD)
    submit(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


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
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action$='personal_access_tokens'] button.primary"))
    value = browser.find_element(By.ID, "new_token_value").get_attribute("value")
    browser.save_screenshot(os.path.join(shots, "personal_access_tokens.png"))
    assert "<script>alert(1)</script>" in browser.find_element(By.CSS_SELECTOR, "#active-tokens ~ .table-wrap").text
    assert browser.execute_script("return document.querySelectorAll('main script').length") == 0
    assert api(url, "/user", value) == 200

    submit(browser, browser.find_element(By.LINK_TEXT, "Rotate"))
    browser.save_screenshot(os.path.join(shots, "rotate_confirm.png"))
    submit(browser, browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]"))
    rotated = browser.find_element(By.ID, "new_token_value").get_attribute("value")
    assert api(url, "/user", value) == 401
    assert api(url, "/user", rotated) == 200

    submit(browser, browser.find_element(By.LINK_TEXT, "Revoke"))
    submit(browser, browser.find_element(By.CSS_SELECTOR, "main form button.danger"))
    assert api(url, "/user", rotated) == 401
    assert "Revoked" in browser.find_element(By.CSS_SELECTOR, "#inactive-tokens ~ .table-wrap").text

    browser.get(url + "/-/user_settings/password/edit")
    browser.save_screenshot(os.path.join(shots, "password.png"))
    submit(browser, browser.find_element(By.CSS_SELECTOR, "header form button"))
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
    # Login CSRF: a sign-in POST from elsewhere carries no pre-session cookie and token.
    form = urllib.parse.urlencode({"user[login]": "alice", "user[password]": PASSWORD}).encode()
    request = urllib.request.Request(url + "/users/sign_in", data=form, headers={"Origin": url})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 422
    assert "_tokend_session" not in (refused.value.headers.get("Set-Cookie") or "")


def another_user_gets_404_and_sees_nothing(browser, url, page, user, hidden):
    """`user` signs in in a fresh browser session: their cookie gets GitLab's 404 at `page`, and
    their browser sees no `hidden` there."""
    browser.delete_all_cookies()
    sign_in(browser, url, user=user)
    cookie = browser.get_cookie("_tokend_session")["value"]
    request = urllib.request.Request(page, headers={"Cookie": "_tokend_session=" + cookie})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 404
    browser.get(page)
    assert hidden not in browser.page_source


def test_a_maintainer_creates_a_project_access_token_and_a_developer_cannot(service, browser, shots):
    """The project's page at GitLab's path: a Maintainer creates a token with a role, the token
    works against the API; a Developer of the same project gets GitLab's 404, as from the API."""
    from selenium.webdriver.common.by import By
    url = service["url"]
    page = url + "/acme/web-app/-/settings/access_tokens"
    sign_in(browser, url, user="alice")
    browser.get(page)
    browser.find_element(By.ID, "token_name").send_keys("release bot")
    browser.find_element(By.ID, "scope_read_api").click()
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action$='/access_tokens'] button[type=submit]"))
    value = browser.find_element(By.ID, "new_token_value").get_attribute("value")
    assert value.startswith("glpat-")
    assert api(url, "/projects/acme%2Fweb-app", value) == 200
    assert "release bot" in browser.page_source
    browser.save_screenshot(os.path.join(shots, "project_access_tokens.png"))
    another_user_gets_404_and_sees_nothing(browser, url, page, "dave", "release bot")


def gate(url, rule, username, value):
    """The forward-auth gate's answer for HTTP Basic credentials (a deploy token's username and value)."""
    import base64
    basic = base64.b64encode(f"{username}:{value}".encode()).decode()
    request = urllib.request.Request(url + "/-/auth/" + rule, headers={"Authorization": "Basic " + basic})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_maintainer_creates_uses_and_revokes_a_deploy_token_and_a_developer_cannot(service, browser, shots):
    """The project's repository settings at GitLab's path: a Maintainer creates a deploy token
    (username and value shown once, with copy buttons), it passes the gate with HTTP Basic for its
    scope and project, is revoked after a confirmation and then refused; a Developer of the same
    project gets GitLab's 404, as from the API's 403."""
    from selenium.webdriver.common.by import By
    url = service["url"]
    page = url + "/acme/web-app/-/settings/repository"
    sign_in(browser, url, user="alice")
    browser.get(url + "/acme/web-app/-/settings/access_tokens")
    submit(browser, browser.find_element(By.LINK_TEXT, "Repository"))
    assert browser.current_url == page
    browser.find_element(By.ID, "deploy_token_name").send_keys("<script>alert(1)</script> registry")
    browser.find_element(By.ID, "deploy_token_read_registry").click()
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form[action$='/deploy_token/create'] button[type=submit]"))
    username = browser.find_element(By.ID, "deploy_token_user").get_attribute("value")
    value = browser.find_element(By.ID, "new_token_value").get_attribute("value")
    assert username.startswith("gitlab+deploy-token-") and value.startswith("gldt-")
    assert browser.find_element(By.CSS_SELECTOR, "button[data-copy=new_token_value]").is_displayed()
    assert "<script>alert(1)</script> registry" in browser.find_element(By.CSS_SELECTOR, "#active-deploy-tokens ~ .table-wrap").text
    assert browser.execute_script("return document.querySelectorAll('main script').length") == 0
    browser.save_screenshot(os.path.join(shots, "repository_settings.png"))
    rule = "read_registry?project=acme%2Fweb-app"
    assert gate(url, rule, username, value) == 204
    assert gate(url, "write_registry?project=acme%2Fweb-app", username, value) != 204  # not its scope
    assert browser.current_url == page  # POST-redirect-GET
    browser.refresh()  # reloads the page, and sends no creation again
    assert value not in browser.page_source  # shown once
    assert len(browser.find_elements(By.LINK_TEXT, "Revoke")) == 1

    submit(browser, browser.find_element(By.LINK_TEXT, "Revoke"))
    browser.save_screenshot(os.path.join(shots, "deploy_token_revoke_confirm.png"))
    submit(browser, browser.find_element(By.CSS_SELECTOR, "main form button.danger"))
    assert "Revoked the deploy token" in browser.page_source
    assert gate(url, rule, username, value) == 401
    another_user_gets_404_and_sees_nothing(browser, url, page, "dave", "deploy-token")


def test_admin_pages_and_blocking_ends_a_session(service, browser, shots):
    from selenium import webdriver
    url = service["url"]
    sign_in(browser, url, user="alice")
    alice_cookie = browser.get_cookie("_tokend_session")["value"]
    browser.delete_all_cookies()
    sign_in(browser, url, user="boss")
    for path, name in (("/admin/users", "admin_users"), ("/admin/credentials", "admin_credentials"),
                       ("/admin/audit_events", "admin_audit_events"),
                       ("/admin/users/alice/impersonation_tokens", "impersonation_tokens"),
                       ("/groups/acme/-/settings/access_tokens", "group_access_tokens"),
                       ("/groups/acme/-/settings/repository", "group_repository_settings")):
        browser.get(url + path)
        assert browser.title.endswith("tokend"), path
        browser.save_screenshot(os.path.join(shots, name + ".png"))
    browser.get(url + "/admin/users")
    submit(browser, browser.find_element("css selector", "button[aria-label='Block alice']"))
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


def test_the_cookie_is_secure_over_https(service, browser):
    """nginx with a self-signed certificate on loopback in front of the same worker
    (`fastcgi_param HTTPS on`, as nginx/tokend-tls.conf): the session cookie is Secure."""
    work = service["work"]
    tls = os.path.join(work, "tls")
    os.makedirs(tls, exist_ok=True)
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-keyout", os.path.join(tls, "key.pem"), "-out", os.path.join(tls, "cert.pem")],
                   check=True, capture_output=True)
    port = compat.free_port()
    conf = f"""{"user root root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {tls}/nginx.pid;
error_log {tls}/error.log warn;
events {{ worker_connections 64; }}
http {{
    client_body_temp_path {tls}/client_body; fastcgi_temp_path {tls}/fastcgi; proxy_temp_path {tls}/proxy;
    scgi_temp_path {tls}/scgi; uwsgi_temp_path {tls}/uwsgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name 127.0.0.1;
        ssl_certificate {tls}/cert.pem;
        ssl_certificate_key {tls}/key.pem;
        location / {{
            include /etc/nginx/fastcgi_params;
            fastcgi_param HTTPS on;
            fastcgi_pass unix:{os.path.join(work, "fcgi.sock")};
            fastcgi_keep_conn off;
        }}
    }}
}}
"""
    with open(os.path.join(tls, "nginx.conf"), "w") as f:
        f.write(conf)
    nginx = subprocess.Popen(["nginx", "-p", tls, "-c", os.path.join(tls, "nginx.conf"), "-e", os.path.join(tls, "error.log")])
    try:
        url = f"https://127.0.0.1:{port}"
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        sign_in(browser, url, user="boss")  # alice is blocked by the test before
        assert browser.current_url == url + "/-/user_settings/personal_access_tokens", browser.page_source[:600]
        cookie = browser.get_cookie("_tokend_session")
        assert cookie["secure"] and cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    finally:
        nginx.send_signal(signal.SIGQUIT)
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
