"""The background sender: a bounded buffer of records, sent in batches by one daemon thread."""

from __future__ import annotations

import json
import logging
import random
import dataclasses
import threading
import time
import urllib.parse
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from ._http import Transport, WardenError, backoff_delay

log = logging.getLogger("warden_client")

#: (kind, model, version): where a record goes. ``kind`` is the route: inferences, labels, feedback, signals.
Target = Tuple[str, str, str]


@dataclass(frozen=True)
class RefusedRecord:
    """A record Warden (or the client, for a value with no JSON form) would not store, and why."""

    kind: str
    model: str
    version: str
    #: The record's id, when it had one.
    id: Optional[str]
    #: Path inside the record, e.g. ``features.amount``; ``""`` for the record as a whole.
    field: str
    reason: str
    #: The record as it was sent (after NaN and numpy values were converted).
    record: Any


@dataclass
class Stats:
    """What the client has done since it started (a snapshot)."""

    #: Records handed to ``log_*``.
    logged: int = 0
    #: Records in batches the server answered.
    sent: int = 0
    #: Newly stored by the server.
    accepted: int = 0
    #: Already stored (a retried batch): stored once, counted once.
    duplicates: int = 0
    #: Refused record by record (reported to ``on_refused``).
    refused: int = 0
    #: Lost: pushed out of the full buffer, in a batch the server refused whole (e.g. an unknown
    #: version), or still buffered when ``close`` gave up.
    dropped: int = 0
    #: Waiting in the buffer or being sent now.
    buffered: int = 0
    #: Attempts repeated after a timeout, a refused connection, 429 or 5xx.
    retries: int = 0
    #: Answers of the server to the batches sent, by kind: ``{"inferences": n, …}``.
    batches: Dict[str, int] = field(default_factory=dict)


RefusedCallback = Callable[[List[RefusedRecord]], None]
ErrorCallback = Callable[[Exception, int], None]


def _default_on_refused(refused: List[RefusedRecord]) -> None:
    first = refused[0]
    log.warning(
        "Warden refused %d %s record(s), e.g. id %s: %s: %s",
        len(refused),
        first.kind,
        first.id,
        first.field,
        first.reason,
    )


def _default_on_error(error: Exception, records: int) -> None:
    log.warning("Warden client: %s (%d records)", error, records)


def _safely(callback: Callable[..., None], *args: Any) -> None:
    # A callback's bug must never reach the model server, nor stop the sender.
    try:
        callback(*args)
    except Exception:  # noqa: BLE001
        log.exception("Warden client callback failed")


class Sender:
    def __init__(
        self,
        transport: Transport,
        *,
        batch_size: int,
        flush_interval: float,
        max_buffered: int,
        max_retries: int,
        backoff: float,
        max_backoff: float,
        on_refused: Optional[RefusedCallback],
        on_error: Optional[ErrorCallback],
        rng: Callable[[], float] = random.random,
    ) -> None:
        if batch_size < 1 or batch_size > 10_000:
            raise ValueError("batch_size must be 1..10000")
        if max_buffered < batch_size:
            raise ValueError("max_buffered must be at least batch_size")
        self._transport = transport
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_buffered = max_buffered
        self._max_retries = max_retries
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._on_refused = on_refused or _default_on_refused
        self._on_error = on_error or _default_on_error
        self._rng = rng
        self._cond = threading.Condition()
        self._queues: "OrderedDict[Target, Deque[Dict[str, Any]]]" = OrderedDict()
        self._queued = 0
        self._in_flight = 0
        self._flush_requested = False
        self._closing = False
        self._stop = threading.Event()
        self._stats = Stats()
        self._thread: Optional[threading.Thread] = None

    # -- caller side -------------------------------------------------------------------------

    def add(self, target: Target, records: List[Dict[str, Any]], refused: List[RefusedRecord]) -> None:
        dropped = 0
        with self._cond:
            if self._closing:
                raise RuntimeError("the Warden client is closed")
            self._stats.logged += len(records) + len(refused)
            self._stats.refused += len(refused)
            if records:
                queue = self._queues.setdefault(target, deque())
                queue.extend(records)
                self._queued += len(records)
                dropped = self._drop_overflow(target)
                if len(queue) >= self._batch_size:
                    self._cond.notify_all()
            self._start()
        if refused:
            _safely(self._on_refused, refused)
        if dropped:
            _safely(
                self._on_error,
                WardenError(f"buffer full ({self._max_buffered} records): dropped the {dropped} oldest"),
                dropped,
            )

    def _drop_overflow(self, first: Target) -> int:
        """Keeps the buffer within its bound, dropping the oldest records (of ``first`` first)."""
        excess = self._queued + self._in_flight - self._max_buffered
        dropped = 0
        for target in [first, *[t for t in self._queues if t != first]]:
            queue = self._queues.get(target)
            while excess > 0 and queue:
                queue.popleft()
                excess -= 1
                dropped += 1
        self._queued -= dropped
        self._stats.dropped += dropped
        return dropped

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="warden-client-sender", daemon=True)
            self._thread.start()

    def stats(self) -> Stats:
        with self._cond:
            return dataclasses.replace(
                self._stats, batches=dict(self._stats.batches), buffered=self._queued + self._in_flight
            )

    def flush(self, timeout: Optional[float]) -> bool:
        """Sends everything buffered now; True once the buffer is empty, False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            if self._queued + self._in_flight == 0:
                return True
            self._flush_requested = True
            self._start()
            self._cond.notify_all()
            while self._queued + self._in_flight > 0:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining if remaining is None else min(remaining, 1.0))
            return True

    def close(self, timeout: Optional[float]) -> bool:
        """Flushes (up to ``timeout``), then stops the thread; what could not be sent is dropped."""
        with self._cond:
            if self._closing and self._thread is None:
                return True
            self._closing = True
            self._cond.notify_all()
        done = self.flush(timeout)
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=max(1.0, self._transport.timeout + 1.0))
        left = 0
        with self._cond:
            left = self._queued
            self._queues.clear()
            self._queued = 0
            self._stats.dropped += left
            self._thread = None
        if left:
            _safely(self._on_error, WardenError(f"closed with {left} records unsent"), left)
        self._transport.close()
        return done and left == 0

    # -- sender thread -----------------------------------------------------------------------

    def _next_batch(self) -> Optional[Tuple[Target, List[Dict[str, Any]]]]:
        """Waits for a full batch, the interval, a flush or close; takes a batch (under the lock)."""
        deadline = time.monotonic() + self._flush_interval
        while not self._stop.is_set():
            full = next((t for t, q in self._queues.items() if len(q) >= self._batch_size), None)
            urgent = self._flush_requested or self._closing or time.monotonic() >= deadline
            target = full
            if target is None and urgent:
                target = next((t for t, q in self._queues.items() if q), None)
                if target is None:
                    self._flush_requested = False
                    self._cond.notify_all()
                    if self._closing:
                        return None
                    deadline = time.monotonic() + self._flush_interval
            if target is not None:
                queue = self._queues[target]
                batch = [queue.popleft() for _ in range(min(self._batch_size, len(queue)))]
                if not queue:
                    del self._queues[target]
                self._queued -= len(batch)
                self._in_flight += len(batch)
                return target, batch
            self._cond.wait(max(0.0, deadline - time.monotonic()) if not urgent else 0.5)
        return None

    def _run(self) -> None:
        failed_rounds = 0
        while True:
            with self._cond:
                taken = self._next_batch()
            if taken is None:
                return
            target, batch = taken
            again = self._send(target, batch)
            with self._cond:
                self._in_flight -= len(batch)
                if again:
                    # Unsent (server unreachable): back at the head of its queue, within the bound.
                    queue = self._queues.setdefault(target, deque())
                    queue.extendleft(reversed(again))
                    self._queues.move_to_end(target, last=False)
                    self._queued += len(again)
                    self._drop_overflow(target)
                self._cond.notify_all()
            if again:
                failed_rounds += 1
                # Between rounds while the server is away: wait longer each time, woken by close.
                if self._stop.wait(backoff_delay(min(failed_rounds, 10), self._backoff, self._max_backoff, self._rng)):
                    return
            else:
                failed_rounds = 0

    def _send(self, target: Target, batch: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
        """Sends one batch; returns the records to try again later (the server could not be reached)."""
        kind, model, version = target
        path = (
            f"/api/v1/models/{urllib.parse.quote(model, safe='')}/versions/"
            f"{urllib.parse.quote(version, safe='')}/{kind}?partial=true"
        )
        body = json.dumps(batch, allow_nan=False, separators=(",", ":")).encode("utf-8")
        attempt = 0
        while True:
            try:
                response = self._transport.request("POST", path, body, {"content-type": "application/json"})
                break
            except WardenError as error:
                if error.status == 413 and len(batch) > 1:
                    mid = len(batch) // 2
                    return self._send(target, batch[:mid]) + self._send(target, batch[mid:])
                if not error.retriable:
                    with self._cond:
                        self._stats.dropped += len(batch)
                    _safely(self._on_error, error, len(batch))
                    return []
                if attempt >= self._max_retries or self._stop.is_set():
                    _safely(self._on_error, error, len(batch))
                    return batch
                # The server's Retry-After is honoured as given; otherwise jittered exponential backoff.
                delay = error.retry_after
                if delay is None:
                    delay = backoff_delay(attempt, self._backoff, self._max_backoff, self._rng)
                attempt += 1
                with self._cond:
                    self._stats.retries += 1
                if self._stop.wait(delay):
                    return batch
        result = response.json() or {}
        refusals = result.get("refused") or []
        refused = [
            RefusedRecord(
                kind,
                model,
                version,
                r.get("id"),
                r.get("field", ""),
                r.get("reason", ""),
                batch[r["index"]] if isinstance(r.get("index"), int) and 0 <= r["index"] < len(batch) else None,
            )
            for r in refusals
        ]
        with self._cond:
            self._stats.sent += len(batch)
            self._stats.accepted += int(result.get("accepted", 0))
            self._stats.duplicates += int(result.get("duplicates", 0))
            self._stats.refused += len(refused)
            self._stats.batches[kind] = self._stats.batches.get(kind, 0) + 1
        if refused:
            _safely(self._on_refused, refused)
        return []
