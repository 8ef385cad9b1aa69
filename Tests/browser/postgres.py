"""A private PostgreSQL cluster for the browser tests, as Tests/IntegrationTests/PostgresCluster.swift
makes one: initdb into a scratch directory, the server on a free 127.0.0.1 port (no unix socket),
run as `nobody` when the tests run as root (PostgreSQL refuses root), stopped by its PID."""
import contextlib
import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time


def bin_directory():
    """Debian's newest PostgreSQL server binaries, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


def unavailable():
    """Why no cluster can start here, or None."""
    if not bin_directory():
        return "PostgreSQL's server is not installed (scripts/deps test installs postgresql)"
    if os.geteuid() == 0 and not shutil.which("setpriv"):
        return "running as root without setpriv: PostgreSQL refuses to run as root"
    return None


def _as_server_user(command):
    return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] + command if os.geteuid() == 0 else command


@contextlib.contextmanager
def cluster(port):
    """Yields the URL of a fresh database `tokend` in a cluster of its own on `port`."""
    bindir = bin_directory()
    work = tempfile.mkdtemp(prefix="tokend-browser-pg.", dir="/tmp")
    if os.geteuid() == 0:
        os.chown(work, 65534, 65534)
    subprocess.run(_as_server_user([bindir + "/initdb", "-D", work + "/data", "--auth=trust", "-U", "postgres", "-E", "UTF8",
                                    "--no-sync"]), check=True, capture_output=True)
    log = open(work + "/postgres.log", "w")
    server = subprocess.Popen(_as_server_user([bindir + "/postgres", "-D", work + "/data", "-p", str(port), "-k", "",
                                               "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]),
                              stdout=log, stderr=log)
    try:
        for _ in range(200):
            if subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-tAqc", "CREATE DATABASE tokend"],
                              capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError("PostgreSQL did not start within 10 s; see " + work + "/postgres.log")
        yield f"postgres://postgres@127.0.0.1:{port}/tokend"
    finally:
        server.send_signal(signal.SIGINT)  # fast shutdown, by the postmaster's PID
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(work, ignore_errors=True)
