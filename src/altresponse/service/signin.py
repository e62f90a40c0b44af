"""Sign-in without harm to triage: passwords are verified in a small pool of low-priority threads,
never on the request path, and sign-ins are limited per client address.

argon2 is slow on purpose (tens of milliseconds of CPU per guess). Run inline, a flood of sign-ins
would take the CPU and the threads that live calls need. Here the pool has `hash_workers` threads
running at a lower scheduling priority (Linux thread niceness), at most `hash_queue` sign-ins wait
for it, and each address may try `login_attempts_per_minute` times a minute; beyond that the answer
is 429 at once, without hashing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from altresponse.ops.passwords import verify_password

HASH_NICENESS = 19  # the lowest priority short of idle: sign-ins still finish on a busy machine


def _lower_priority() -> None:
    with contextlib.suppress(OSError, AttributeError):  # not every platform can renice a thread
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), HASH_NICENESS)


class Busy(Exception):
    """Too many sign-ins: retry later (429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many sign-in attempts: wait and retry")
        self.retry_after = retry_after


class HashPool:
    """A bounded pool for password verification."""

    def __init__(self, workers: int, queue: int) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._workers = max(1, workers)
        self._slots = threading.BoundedSemaphore(max(1, workers + queue))

    def _pool(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="argon2",
                                                initializer=_lower_priority)
        return self._executor

    async def verify(self, password_hash: str | None, password: str) -> bool:
        if not self._slots.acquire(blocking=False):
            raise Busy(1)
        try:
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._pool(), verify_password, password_hash, password)
        finally:
            self._slots.release()

    def hash_in_pool(self) -> ThreadPoolExecutor:
        return self._pool()

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)


class RateLimit:
    """At most `per_minute` attempts per key in any 60 s window (sliding log, in memory)."""

    def __init__(self, per_minute: int, max_keys: int = 10_000) -> None:
        self.per_minute = per_minute
        self.max_keys = max_keys
        self._log: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._log) > self.max_keys:
                self._log = {k: v for k, v in self._log.items() if v and v[-1] > now - 60}
            times = self._log.setdefault(key, deque())
            while times and times[0] <= now - 60:
                times.popleft()
            if len(times) >= self.per_minute:
                raise Busy(max(1, int(times[0] + 60 - now) + 1))
            times.append(now)
