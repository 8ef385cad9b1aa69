"""The shipped gates (nginx/auth-gate.conf, and deploy/caddy/Caddyfile.example through a real
Caddy) with --gate-sessions, in headless Chromium: a
signed-out browser that asks for /tools/ is sent to tokend's sign-in page, signs in, comes back
to the page it asked for and reaches the stub upstream with its identity; signed out again, it
is sent to sign in. The worker, nginx and the upstream are stopped by PID."""
import http.server
import importlib.util
import os
import shutil
import signal
import subprocess
import tempfile
import threading

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
spec = importlib.util.spec_from_file_location("browser_pages", os.path.join(HERE, "test_pages.py"))
pages = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pages)
compat, PASSWORD = pages.compat, pages.PASSWORD
browser = pages.browser
submit = pages.submit
pytestmark = pages.pytestmark


class Upstream(http.server.BaseHTTPRequestHandler):
    """The guarded tool: says who the gate said the caller is."""

    def do_GET(self):
        body = ("tool for " + (self.headers.get("X-Tokend-Username") or "nobody")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def nginx_front(work, port, sock, upstream_port):
    """The shipped nginx/auth-gate.conf on `port`; returns its Popen."""
    with open(os.path.join(ROOT, "nginx", "auth-gate.conf")) as f:
        server = (f.read().replace("listen 80;", f"listen 127.0.0.1:{port};")
                  .replace("unix:/run/tokend/fcgi.sock", "unix:" + sock)
                  .replace("server 127.0.0.1:8081;", f"server 127.0.0.1:{upstream_port};")
                  .replace("server_name app.example.com;", "server_name 127.0.0.1;")
                  .replace("/var/log/nginx/tokend-gated.access.log", work + "/gated.access.log"))
    conf = f"""{"user root root;" if os.geteuid() == 0 else ""}
worker_processes 1;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {work}/client_body; fastcgi_temp_path {work}/fastcgi; proxy_temp_path {work}/proxy;
    scgi_temp_path {work}/scgi; uwsgi_temp_path {work}/uwsgi;
{server}
}}
"""
    with open(os.path.join(work, "nginx.conf"), "w") as f:
        f.write(conf)
    return subprocess.Popen(["nginx", "-p", work, "-c", os.path.join(work, "nginx.conf"), "-e",
                             os.path.join(work, "nginx-error.log")])


def caddy_front(work, port, sock, upstream_port):
    """The shipped deploy/caddy/Caddyfile.example on `port` (no admin API, no automatic HTTPS), as
    `nobody` when the tests run as root, as the Swift gate tests run it; returns its Popen."""
    with open(os.path.join(ROOT, "deploy", "caddy", "Caddyfile.example")) as f:
        site = f.read()
    for pattern, value in (("app.example.com {", f"http://127.0.0.1:{port} {{"), ("unix//run/tokend/fcgi.sock", "unix/" + sock),
                           ("reverse_proxy 127.0.0.1:8081", f"reverse_proxy 127.0.0.1:{upstream_port}")):
        assert pattern in site, "the shipped Caddyfile no longer contains " + pattern
        site = site.replace(pattern, value)
    storage = os.path.join(work, "caddy")
    os.makedirs(storage)
    with open(os.path.join(work, "Caddyfile"), "w") as f:
        f.write("{\n\tadmin off\n\tauto_https off\n}\n\n" + site)
    user = []
    if os.geteuid() == 0:
        os.chown(storage, 65534, 65534)
        os.chmod(work, 0o711)
        os.chmod(os.path.join(work, "Caddyfile"), 0o644)
        user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
    environment = {"HOME": storage, "XDG_CONFIG_HOME": storage, "XDG_DATA_HOME": storage, "PATH": "/usr/bin:/bin"}
    log = open(os.path.join(work, "caddy.log"), "w")
    return subprocess.Popen(user + ["caddy", "run", "--config", os.path.join(work, "Caddyfile"), "--adapter", "caddyfile"],
                            env=environment, stdout=log, stderr=log)


@pytest.fixture(scope="module", params=["nginx", "caddy"])
def gate(request):
    if request.param == "caddy" and not shutil.which("caddy"):
        pytest.skip("caddy is not installed (scripts/deps test installs it)")
    binary = os.environ.get("TOKEND_BIN") or os.path.join(ROOT, ".build", "debug", "tokend")
    work = tempfile.mkdtemp(prefix="tokend-gate-browser.", dir="/tmp")
    data, sock, port = os.path.join(work, "data"), os.path.join(work, "fcgi.sock"), compat.free_port()
    compat.cli(binary, data, "init")
    pages.seed(binary, data)
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    log = open(os.path.join(work, "worker.log"), "w")
    worker = subprocess.Popen([binary, "serve", "--data", data, "--socket", sock, "--socket-mode", "0666", "--gate-sessions"],
                              stderr=log)
    front = (nginx_front if request.param == "nginx" else caddy_front)(work, port, sock, upstream.server_address[1])
    url = f"http://127.0.0.1:{port}"
    compat.wait_until_answers(url + "/users/sign_in")
    try:
        yield url
    finally:
        compat.stop_processes((worker, signal.SIGTERM), (front, signal.SIGQUIT if request.param == "nginx" else signal.SIGTERM))
        upstream.shutdown()
        log.close()
        subprocess.run(["rm", "-rf", work])


def test_the_gate_sends_a_signed_out_browser_to_sign_in_and_back(gate, browser):
    from selenium.webdriver.common.by import By
    # A query with `&`: the gate encodes the whole target, which nginx and Caddy cannot.
    browser.get(gate + "/tools/report?week=49&format=csv")
    assert browser.current_url == gate + "/users/sign_in?redirect_to=%2Ftools%2Freport%3Fweek%3D49%26format%3Dcsv"
    browser.find_element(By.ID, "user_login").send_keys("alice")
    browser.find_element(By.ID, "user_password").send_keys(PASSWORD)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
    assert browser.current_url == gate + "/tools/report?week=49&format=csv"
    assert browser.find_element(By.TAG_NAME, "body").text == "tool for alice"
    browser.get(gate + "/-/user_settings/personal_access_tokens")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "header form button"))
    browser.get(gate + "/tools/report")
    assert browser.current_url.startswith(gate + "/users/sign_in?redirect_to=")
