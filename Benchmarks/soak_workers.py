"""The soak's workers and store, for Benchmarks/soak_driver.py.

`Supervisor` is what spawn-fcgi plus a respawn loop (multiwatch, or systemd's socket unit with
Restart=always) is on a server: it holds one listening unix socket and gives it to every worker as
its stdin (FastCGI's FCGI_LISTENSOCK_FILENO), so that nginx keeps one upstream, the workers share
the accept queue, and a worker that dies is started again on the same socket while the others go
on serving. Requests in flight in a killed worker get nginx's 502; the queue waits for the others.

`Store` runs the offline commands (`init`, `store seed`, `store compact`, `store check`, `audit
verify`) on either backend and measures the store's sizes."""
import glob
import os
import signal
import socket
import subprocess
import threading
import time


class Supervisor:
    """`slots` tokend workers on one listening socket, each started again when it exits."""

    def __init__(self, binary, socket_path, environment, slots, threads, log_path):
        self.binary, self.environment, self.threads = binary, environment, threads
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(socket_path):
            os.unlink(socket_path)
        self.listener.bind(socket_path)
        os.chmod(socket_path, 0o666)
        self.listener.listen(1024)
        self.log = open(log_path, "ab")
        self.lock = threading.Lock()
        self.processes = [None] * slots
        self.spawned = [0.0] * slots
        self.exits = []  # (time, slot, pid, returncode)
        self.stopping = False
        for slot in range(slots):
            self._spawn(slot)
        self.watcher = threading.Thread(target=self._watch, daemon=True)
        self.watcher.start()

    def _spawn(self, slot):
        self.spawned[slot] = time.monotonic()
        self.processes[slot] = subprocess.Popen(
            [self.binary, "serve", "--threads", str(self.threads)], stdin=self.listener.fileno(),
            stdout=self.log, stderr=self.log, env=self.environment, close_fds=True)

    def _watch(self):
        while not self.stopping:
            with self.lock:
                for slot, process in enumerate(self.processes):
                    # A worker that cannot start is not started again more than once a second.
                    if not self.stopping and process.poll() is not None and time.monotonic() - self.spawned[slot] >= 1:
                        self.exits.append((time.monotonic(), slot, process.pid, process.returncode))
                        self._spawn(slot)
            time.sleep(0.02)

    def pid(self, slot):
        with self.lock:
            return self.processes[slot].pid

    def kill(self, slot):
        """kill -9 of the worker in `slot`, by its PID; the watcher starts the next one."""
        pid = self.pid(slot)
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self):
        """SIGTERM to every worker by PID (they drain), SIGKILL after 10 s; closes the socket."""
        self.stopping = True
        self.watcher.join(timeout=5)
        with self.lock:
            processes = list(self.processes)
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.listener.close()
        self.log.close()


FD_SAMPLES, FD_SAMPLE_GAP = 5, 0.2  # descriptors: the fewest of 5 looks over a second


def descriptor_kinds(pid):
    """Open descriptors of a process at one instant, counted by kind (file, socket, pipe, ...)."""
    kinds = {}
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except FileNotFoundError:
            continue
        kind = "file" if target.startswith("/") else target.split(":")[0]
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def process_figures(pid):
    """RSS and its peak (KB), threads and open file descriptors of one process, or None once gone.
    Descriptors are the fewest of several looks a fifth of a second apart, kind by kind: what the
    worker holds, without the FastCGI connection of a request that happens to be in flight at one
    look (a held descriptor, a leak among them, is there at every look)."""
    try:
        status = {}
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                status[key] = value.split()
        looks = []
        for look in range(FD_SAMPLES):
            if look:
                time.sleep(FD_SAMPLE_GAP)
            looks.append(descriptor_kinds(pid))
        kinds = {kind: min(counts.get(kind, 0) for counts in looks) for kind in set().union(*looks)}
        kinds = {kind: count for kind, count in kinds.items() if count}
        return {"pid": pid, "rss_kb": int(status["VmRSS"][0]), "hwm_kb": int(status["VmHWM"][0]),
                "threads": int(status["Threads"][0]), "fds": sum(kinds.values()), "fd_kinds": kinds}
    except (FileNotFoundError, ProcessLookupError, KeyError):
        return None


def directory_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                pass
    return total


class Store:
    """The offline commands and the size figures of one store: `data` (JSON) or `url` (PostgreSQL)."""

    def __init__(self, binary, backend, data=None, url=None):
        self.binary, self.backend, self.data, self.url = binary, backend, data, url
        self.environment = dict(os.environ, TOKEND_LOG_LEVEL="warning")
        if backend == "json":
            self.environment["TOKEND_DATA"] = data
        else:
            self.environment["TOKEND_STORE"] = url
        self.environment.pop("TOKEND_STORE" if backend == "json" else "TOKEND_DATA", None)

    def run(self, *arguments, timeout=600):
        """One offline command: (returncode, stdout, stderr, seconds)."""
        started = time.monotonic()
        result = subprocess.run([self.binary, *arguments], env=self.environment, capture_output=True, text=True,
                                timeout=timeout)
        return result.returncode, result.stdout.strip(), result.stderr.strip(), time.monotonic() - started

    def must(self, *arguments):
        code, out, err, _ = self.run(*arguments)
        if code != 0:
            raise RuntimeError(f"tokend {' '.join(arguments)} exited {code}: {err or out}")
        return out

    def sizes(self):
        """The store's sizes. `log_bytes` is the pass rule's series: the JSON store's journal (all
        generations' files), PostgreSQL's change log table (`tokend.changes`, with its indexes and
        TOAST); the others grow with the data by design (every token is kept, revoked or not, as
        GitLab keeps them; the audit chain is append-only)."""
        if self.backend == "json":
            journals = glob.glob(os.path.join(self.data, "tokens.journal.*.jsonl"))
            return {
                "log_bytes": sum(os.path.getsize(path) for path in journals),
                "journal_files": len(journals),
                "snapshot_bytes": os.path.getsize(os.path.join(self.data, "tokens.snapshot.jsonl")),
                "audit_bytes": directory_bytes(os.path.join(self.data, "audit")),
                "files": sum(len(files) for _, _, files in os.walk(self.data)),
            }
        query = ("SELECT pg_total_relation_size('tokend.changes'), (SELECT count(*) FROM tokend.changes), "
                 "pg_total_relation_size('tokend.tokens'), pg_total_relation_size('tokend.audit_events'), "
                 "pg_database_size(current_database()), (SELECT sum(size) FROM pg_ls_waldir())")
        result = subprocess.run(["psql", self.url, "-tAqc", query], capture_output=True, text=True, timeout=60,
                                env=dict(os.environ, PGCONNECT_TIMEOUT="5"))
        if result.returncode != 0:
            return {"error": result.stderr.strip()}
        values = [int(v) for v in result.stdout.strip().split("|")]
        return dict(zip(["log_bytes", "log_rows", "tokens_bytes", "audit_bytes", "database_bytes", "wal_bytes"], values))
