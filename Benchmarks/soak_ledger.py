"""What the soak knows about its tokens, for Benchmarks/soak_driver.py.

Every write tokend acknowledged (a 2xx with its body) is appended to `writes.jsonl` as it comes,
with the token's id and value; the end of the run checks each token against it. A write that got
no answer or nginx's 502 (its worker was killed) may or may not have happened: the tokens it
touched are set aside as undecided, never counted as lost nor as kept."""
import json
import os
import threading
import time


class Token:
    __slots__ = ("id", "value", "user")

    def __init__(self, token_id, value, user):
        self.id, self.value, self.user = token_id, value, user


class Ledger:
    def __init__(self, path):
        self.lock = threading.Lock()
        self.live = []        # tokens that authenticate; a thread takes one for its request alone
        self.revoked = []     # tokens whose revocation or rotation tokend acknowledged
        self.undecided = []   # tokens a write without an answer touched
        self.counts = {"create": 0, "rotate": 0, "revoke": 0, "unanswered_create": 0,
                       "unanswered_rotate": 0, "unanswered_revoke": 0}
        # The tokens themselves are in it: readable by the soak alone, and deleted with its directory.
        self.log = os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a")

    def _record(self, **entry):
        entry["t"] = round(time.time(), 3)
        self.log.write(json.dumps(entry) + "\n")
        self.log.flush()

    def take(self, rng):
        """A live token for one request, taken out of the pool until `give_back`; None when empty."""
        with self.lock:
            if not self.live:
                return None
            index = rng.randrange(len(self.live))
            self.live[index], self.live[-1] = self.live[-1], self.live[index]
            return self.live.pop()

    def give_back(self, token):
        with self.lock:
            self.live.append(token)

    def some_revoked(self, rng):
        with self.lock:
            return rng.choice(self.revoked) if self.revoked else None

    def created(self, token):
        with self.lock:
            self.counts["create"] += 1
            self.live.append(token)
            self._record(op="create", id=token.id, token=token.value, user=token.user)

    def rotated(self, old, new):
        with self.lock:
            self.counts["rotate"] += 1
            self.revoked.append(old)
            self.live.append(new)
            self._record(op="rotate", old=old.id, id=new.id, token=new.value, user=new.user)

    def revoked_one(self, token):
        with self.lock:
            self.counts["revoke"] += 1
            self.revoked.append(token)
            self._record(op="revoke", id=token.id)

    def unanswered(self, op, token=None, status=None):
        """A write with no answer, or a 502: its token (if any) is undecided from now on."""
        with self.lock:
            self.counts["unanswered_" + op] += 1
            if token is not None:
                self.undecided.append(token)
            self._record(op=op, unanswered=True, id=token.id if token else None, status=status)

    def expectations(self):
        """(token, must_authenticate) for every token an acknowledged write made or ended."""
        with self.lock:
            return [(t, True) for t in self.live] + [(t, False) for t in self.revoked]

