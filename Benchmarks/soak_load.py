"""The soak's requests, for Benchmarks/soak_driver.py: paced threads, each request one of a fixed
mix, every answer checked against what the ledger says it must be.

A request that gets nginx's 502 (its worker was killed under it) or no answer at all is
`transient`; any other answer that is not the expected one is `unexpected` and ends the soak with
a failure: a 500, a token the ledger holds live answering 401, a revoked token passing the gate."""
import datetime
import http.client
import json
import random
import threading
import time

from soak_ledger import Token

# Requests in every 100: reads, gate checks (by tokens that pass and by revoked ones), writes.
MIX = [("self", 35), ("gate", 28), ("gate_revoked", 5), ("list", 12), ("create", 10), ("rotate", 6), ("revoke", 4)]
TRANSIENT = {502}


class Load:
    def __init__(self, port, admin, users, ledger, rate, threads, seed):
        self.port, self.admin, self.users, self.ledger = port, admin, users, ledger
        self.rate, self.thread_count, self.seed = rate, threads, seed
        self.expires = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
        self.lock = threading.Lock()
        self.answers = []      # (finished monotonic, kind, seconds, outcome)
        self.unexpected = []   # details of the first unexpected answers
        self.unexpected_count = 0
        self.behind = 0        # times a thread fell more than 2 s behind its pace
        self.stop_at = None
        self.sequence = 0

    # One HTTP request through nginx; a connection of its own, so that an answer is never mistaken
    # for another one's. Returns (status, body bytes, seconds), status None when nothing came back.
    def request(self, method, path, token=None, body=None):
        headers = {}
        if token is not None:
            headers["PRIVATE-TOKEN"] = token
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
            return response.status, data, time.monotonic() - started
        except (OSError, http.client.HTTPException):
            return None, b"", time.monotonic() - started
        finally:
            connection.close()

    def note(self, kind, seconds, outcome, detail=None):
        with self.lock:
            self.answers.append((time.monotonic(), kind, seconds, outcome))
            if outcome == "unexpected":
                self.unexpected_count += 1
                if len(self.unexpected) < 50:
                    self.unexpected.append(dict(detail or {}, kind=kind, t=round(time.time(), 3)))

    def outcome(self, kind, status, expected, seconds, data, token=None):
        """Notes the answer; True when it was the expected one."""
        if status == expected:
            self.note(kind, seconds, "ok")
            return True
        if status is None or status in TRANSIENT:
            self.note(kind, seconds, "transient")
            return False
        self.note(kind, seconds, "unexpected", {"status": status, "expected": expected, "body": data[:200].decode(errors="replace"),
                                                "token_id": token.id if token else None})
        return False

    def next_name(self):
        with self.lock:
            self.sequence += 1
            return f"soak-{self.sequence}"

    # The operations. Each takes its own token from the ledger and gives it back (or records
    # what became of it).
    def read(self, rng, kind, path, expected):
        """A request by a live token that changes nothing; True and the body when it answered as expected."""
        token = self.ledger.take(rng)
        if token is None:
            self.op_create(rng)
            return False, b"", None
        status, data, seconds = self.request("GET", path, token.value)
        answered = self.outcome(kind, status, expected, seconds, data, token)
        self.ledger.give_back(token)
        return answered, data, token

    def op_self(self, rng):
        answered, data, token = self.read(rng, "self", "/api/v4/personal_access_tokens/self", 200)
        if answered and json.loads(data).get("id") != token.id:
            self.note("self", 0, "unexpected", {"status": 200, "body": data[:200].decode(errors="replace"), "token_id": token.id})

    def op_gate(self, rng):
        self.read(rng, "gate", "/-/auth/api", 204)

    def op_gate_revoked(self, rng):
        token = self.ledger.some_revoked(rng)
        if token is None:
            return self.op_gate(rng)
        status, data, seconds = self.request("GET", "/-/auth/api", token.value)
        self.outcome("gate_revoked", status, 401, seconds, data, token)

    def op_list(self, rng):
        self.read(rng, "list", "/api/v4/personal_access_tokens?per_page=20", 200)

    def op_create(self, rng):
        user = rng.choice(self.users)
        body = f"name={self.next_name()}&scopes[]=api&expires_at={self.expires}"
        status, data, seconds = self.request("POST", f"/api/v4/users/{user}/personal_access_tokens", self.admin, body)
        if self.outcome("create", status, 201, seconds, data):
            answer = json.loads(data)
            self.ledger.created(Token(answer["id"], answer["token"], user))
        elif status is None or status in TRANSIENT:
            self.ledger.unanswered("create", status=status)

    def op_rotate(self, rng):
        token = self.ledger.take(rng)
        if token is None:
            return self.op_create(rng)
        status, data, seconds = self.request("POST", "/api/v4/personal_access_tokens/self/rotate", token.value,
                                             f"expires_at={self.expires}")
        if self.outcome("rotate", status, 200, seconds, data, token):
            answer = json.loads(data)
            self.ledger.rotated(token, Token(answer["id"], answer["token"], token.user))
        else:
            self.ledger.unanswered("rotate", token, status)

    def op_revoke(self, rng):
        token = self.ledger.take(rng)
        if token is None:
            return self.op_create(rng)
        status, data, seconds = self.request("DELETE", "/api/v4/personal_access_tokens/self", token.value)
        if self.outcome("revoke", status, 204, seconds, data, token):
            self.ledger.revoked_one(token)
        else:
            self.ledger.unanswered("revoke", token, status)

    def worker(self, index):
        rng = random.Random(self.seed * 1000 + index)
        kinds = [kind for kind, weight in MIX for _ in range(weight)]
        interval = self.thread_count / self.rate
        due = time.monotonic() + index * interval / self.thread_count
        while time.monotonic() < self.stop_at:
            now = time.monotonic()
            if due > now:
                time.sleep(min(due, self.stop_at) - now)
                if time.monotonic() >= self.stop_at:
                    break
            elif now - due > 2:
                with self.lock:
                    self.behind += 1
                due = now
            due += interval
            getattr(self, "op_" + rng.choice(kinds))(rng)

    def run_for(self, seconds):
        """Starts the threads; they stop issuing requests after `seconds`. Returns the threads."""
        self.stop_at = time.monotonic() + seconds
        threads = [threading.Thread(target=self.worker, args=(i,), daemon=True) for i in range(self.thread_count)]
        for thread in threads:
            thread.start()
        return threads
