"""A live tokend behind a private nginx on loopback, for client compatibility tests.

Starts one worker on a unix socket and nginx on a free 127.0.0.1 port from
nginx/local.conf.template, and stops both by PID afterwards.
"""
import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(binary, data, *args):
    """Runs a tokend command on the data directory and returns its output."""
    return subprocess.run([binary, *args, "--data", data], check=True, capture_output=True,
                          text=True).stdout.strip()


def wait_until_answers(url, seconds=10):
    """Polls `url` until it answers at all; the caller's first request then tells what it says."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.05)


def stop_processes(*stopping):
    """Stops each (Popen, signal) by its PID, then waits for all, killing one that lingers 10 s."""
    for process, signum in stopping:
        process.send_signal(signum)
    for process, _ in stopping:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def live_tokend(prefix, seed=None):
    """A fresh store (plus what `seed(binary, data)` adds offline), one worker on a unix socket and
    nginx on a free loopback port; both stopped by PID on exit. Yields url, token (root, api+sudo),
    binary, data, work (the scratch directory) and worker (its Popen)."""
    binary = os.environ.get("TOKEND_BIN") or os.path.join(ROOT, ".build", "debug", "tokend")
    work = tempfile.mkdtemp(prefix=prefix, dir="/tmp")
    data, sock, port = os.path.join(work, "data"), os.path.join(work, "fcgi.sock"), free_port()
    cli(binary, data, "init")
    if seed:
        seed(binary, data)
    token = cli(binary, data, "token", "create", "--user", "root", "--name", "py", "--scopes", "api,sudo")
    with open(os.path.join(ROOT, "nginx", "local.conf.template")) as f:
        conf = (f.read().replace("@PREFIX@", work).replace("@PORT@", str(port)).replace("@SOCKET@", sock)
                .replace("@USER_DIRECTIVE@", "user root root;" if os.geteuid() == 0 else ""))
    with open(os.path.join(work, "nginx.conf"), "w") as f:
        f.write(conf)
    log = open(os.path.join(work, "worker.log"), "w")
    worker = subprocess.Popen([binary, "serve", "--data", data, "--socket", sock], stderr=log)
    nginx = subprocess.Popen(["nginx", "-p", work, "-c", os.path.join(work, "nginx.conf"), "-e",
                              os.path.join(work, "error.log")])
    url = f"http://127.0.0.1:{port}"
    wait_until_answers(url + "/-/liveness")
    try:
        yield {"url": url, "token": token, "binary": binary, "data": data, "work": work, "worker": worker}
    finally:
        stop_processes((worker, signal.SIGTERM), (nginx, signal.SIGQUIT))
        log.close()
        subprocess.run(["rm", "-rf", work])


@pytest.fixture(scope="session")
def tokend():
    with live_tokend("tokend-py.") as service:
        yield service
