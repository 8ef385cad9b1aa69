#!/usr/bin/env python3
"""One backend's soak, run by Benchmarks/soak: a seeded store, two workers behind nginx under a
paced mix of requests for N minutes, `tokend store compact` at 0:30 and a kill -9 of worker B at
0:40 of every minute, the figures sampled at the end of every minute; then every acknowledged
write checked, `tokend store check` and `tokend audit verify`. Writes its results as JSON.

Worker A is never killed, so that its RSS, threads and descriptors over the whole run show a
leak; worker B is killed every minute and started again by the supervisor (its figures show what
a fresh worker settles at, 20 s after its start). Both share the socket and the load."""
import argparse
import json
import os
import random
import statistics
import sys
import time

from soak_ledger import Ledger
from soak_load import Load
from soak_workers import Store, Supervisor, process_figures

COMPACT_AT, KILL_AT = 30, 40  # seconds into every minute
KEPT_CHANGES = 2000


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def minute_figures(load, start, minute):
    """Latency and counts of the requests that finished within the minute."""
    low, high = start + 60 * (minute - 1), start + 60 * minute
    with load.lock:
        answers = [a for a in load.answers if low <= a[0] < high]
    seconds = [a[2] for a in answers if a[3] != "transient"]
    outcomes = {}
    for _, _, _, outcome in answers:
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    per_kind = {}
    for _, kind, elapsed, outcome in answers:
        if outcome != "transient":
            per_kind.setdefault(kind, []).append(elapsed)
    return {
        "requests": len(answers), "ok": outcomes.get("ok", 0), "transient": outcomes.get("transient", 0),
        "unexpected": outcomes.get("unexpected", 0),
        "p50_ms": round(1000 * percentile(seconds, 0.50), 2) if seconds else None,
        "p99_ms": round(1000 * percentile(seconds, 0.99), 2) if seconds else None,
        "p50_ms_by_kind": {k: round(1000 * statistics.median(v), 2) for k, v in sorted(per_kind.items())},
    }


def verify(load, ledger):
    """Every token an acknowledged write made or ended: GET /personal_access_tokens/self answers
    200 with its id while it must authenticate, 401 once revoked or rotated."""
    lost, wrong, checked, retried = [], [], 0, 0
    for token, must_authenticate in ledger.expectations():
        for _ in range(20):  # a 502 is the workers starting again after the last kill: ask again
            status, data, _ = load.request("GET", "/api/v4/personal_access_tokens/self", token.value)
            if status not in (None, 502):
                break
            retried += 1
            time.sleep(0.25)
        checked += 1
        if must_authenticate:
            if status != 200:
                lost.append({"id": token.id, "expected": 200, "status": status, "body": data[:200].decode(errors="replace")})
            elif json.loads(data).get("id") != token.id:
                wrong.append({"id": token.id, "body": data[:200].decode(errors="replace")})
        elif status != 401:
            lost.append({"id": token.id, "expected": 401, "status": status, "body": data[:200].decode(errors="replace")})
    return {"checked": checked, "lost": lost, "wrong": wrong, "retried_502": retried}


def wait_until_serving(load, admin, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status, _, _ = load.request("GET", "/api/v4/version", admin)
        if status == 200:
            return
        time.sleep(0.1)
    raise RuntimeError("the workers did not answer through nginx")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["json", "postgresql"], required=True)
    parser.add_argument("--bin", required=True)
    parser.add_argument("--work", required=True, help="this backend's scratch directory")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--port", type=int, required=True, help="nginx's loopback port")
    parser.add_argument("--store-url", help="the PostgreSQL database (backend postgresql)")
    parser.add_argument("--minutes", type=int, default=5)
    parser.add_argument("--tokens", type=int, default=100000, help="tokens seeded before the soak")
    parser.add_argument("--rate", type=float, default=100, help="requests per second, all threads together")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()

    data = os.path.join(arguments.work, "data")
    store = Store(arguments.bin, arguments.backend, data=data, url=arguments.store_url)
    store.must("init")
    store.must("store", "seed", "--tokens", str(arguments.tokens))
    admin = store.must("token", "create", "--user", "root", "--name", "soak-admin", "--scopes", "api")
    users = [int(store.must("user", "create", "--username", f"soak{i}")) for i in range(8)]

    ledger = Ledger(os.path.join(arguments.work, "writes.jsonl"))
    load = Load(arguments.port, admin, users, ledger, arguments.rate, arguments.threads, seed=28)
    supervisor = Supervisor(arguments.bin, arguments.socket, store.environment, slots=2, threads=2,
                            log_path=os.path.join(arguments.work, "workers.log"))
    results = {"backend": arguments.backend, "minutes": arguments.minutes, "seeded_tokens": arguments.tokens,
               "rate": arguments.rate, "threads": arguments.threads, "samples": [], "events": []}
    try:
        wait_until_serving(load, admin)
        for _ in range(40):  # a first pool of tokens: five for each user
            load.op_create(random.Random(0))
        # PostgreSQL keeps the newest KEPT_CHANGES entries of its change log (about 30 s of this
        # load), so that the table reaches its steady size in the first minute and the pass
        # rule judges its growth, not its filling (the default 10,000 takes some 3 minutes).
        compact_options = ["--keep-changes", str(KEPT_CHANGES)] if arguments.backend == "postgresql" else []
        start = time.monotonic()
        threads = load.run_for(60 * arguments.minutes)
        for minute in range(1, arguments.minutes + 1):
            base = start + 60 * (minute - 1)
            time.sleep(max(0, base + COMPACT_AT - time.monotonic()))
            code, out, err, took = store.run("store", "compact", *compact_options)
            results["events"].append({"minute": minute, "event": "compact", "exit": code, "seconds": round(took, 2),
                                      "output": (out or err)[:300]})
            time.sleep(max(0, base + KILL_AT - time.monotonic()))
            pid = supervisor.kill(1)
            results["events"].append({"minute": minute, "event": "kill -9 worker B", "pid": pid})
            time.sleep(max(0, base + 60 - time.monotonic()))
            sample = {"minute": minute, "workers": {"A": process_figures(supervisor.pid(0)),
                                                    "B": process_figures(supervisor.pid(1))}}
            sample.update(store.sizes())
            sample["tokens_written"] = dict(ledger.counts)
            results["samples"].append(sample)
            print(f"  {arguments.backend} minute {minute}: {json.dumps(sample)}", file=sys.stderr, flush=True)
        for thread in threads:
            thread.join(timeout=60)
        for sample in results["samples"]:
            sample.update(minute_figures(load, start, sample["minute"]))
        # A last crash of both workers: the check below reads what the disk or the database kept.
        for slot in (0, 1):
            results["events"].append({"event": f"kill -9 worker {'AB'[slot]} before the check", "pid": supervisor.kill(slot)})
        time.sleep(1.2)
        wait_until_serving(load, admin)
        results["verification"] = verify(load, ledger)
    finally:
        supervisor.stop()
    results["worker_exits"] = [{"slot": "AB"[slot], "pid": pid, "returncode": code} for _, slot, pid, code in supervisor.exits]
    results["counts"] = dict(ledger.counts, undecided=len(ledger.undecided), live=len(ledger.live), revoked=len(ledger.revoked))
    results["behind"] = load.behind
    results["unexpected"] = {"count": load.unexpected_count, "first": load.unexpected}
    code, out, err, _ = store.run("store", "check")
    results["store_check"] = {"exit": code, "output": (out + "\n" + err).strip()[-2000:]}
    code, out, err, _ = store.run("audit", "verify")
    results["audit_verify"] = {"exit": code, "output": (out + "\n" + err).strip()[-2000:]}
    with open(arguments.out, "w") as handle:
        json.dump(results, handle, indent=1)


if __name__ == "__main__":
    main()
