"""Signed checkpoints of the audit chain head, written by the running service outside the database.

Every `interval` seconds, when the head has moved, one signed line goes to the configured file
(`ALTRESPONSE_AUDIT_CHECKPOINTS`), and once more when the service stops. Point it at storage the
database owner cannot rewrite (another host, an append-only mount, `chattr +a`): then rows cut from
the end, or a chain recomputed by someone holding the key, no longer match a checkpoint.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from altresponse.ops.audit import chain_head, write_checkpoint
from altresponse.ops.db import Store

log = logging.getLogger("altresponse.service")


def checkpoint_now(store: Store, path: Path, last_seq: int = -1) -> int:
    """Write a checkpoint of the current head if it moved past `last_seq`; returns the head's seq."""
    with store.engine.connect() as conn:
        seq, head = chain_head(conn)
    if seq > last_seq and seq > 0:
        write_checkpoint(path, store.audit_keys, seq, head)
    return seq


class Checkpointer:
    def __init__(self, store: Store, path: Path | None, interval: float) -> None:
        self.store, self.path, self.interval = store, path, interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last = -1

    def _tick(self) -> None:
        assert self.path is not None
        try:
            self._last = checkpoint_now(self.store, self.path, self._last)
        except Exception as exc:  # keep serving; the log names the kind of failure only
            log.error("audit checkpoint failed: %s", type(exc).__name__)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._tick()

    def start(self) -> None:
        if self.path is None:
            log.warning("ALTRESPONSE_AUDIT_CHECKPOINTS not set: rows cut from the end of the audit log "
                        "cannot be detected")
            return
        self._thread = threading.Thread(target=self._run, name="audit-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout=5)
        self._tick()
