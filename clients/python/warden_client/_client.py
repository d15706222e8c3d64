"""``Warden``: the registry calls a pipeline makes, and the logging calls a model server makes."""

from __future__ import annotations

import atexit
import functools
import hashlib
import os
import urllib.parse
from typing import IO, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Union

from ._http import Transport, WardenError
from ._sender import ErrorCallback, RefusedCallback, RefusedRecord, Sender, Stats
from ._values import UnsupportedValue, prepare, rows_of

__version__ = "0.1.0"

PathLike = Union[str, "os.PathLike[str]"]


def _q(part: str) -> str:
    return urllib.parse.quote(part, safe="")


class _HashingReader:
    """A file wrapper that hashes what is read from it, so an upload is hashed as it streams."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        block = self._file.read(n)
        self.sha256.update(block)
        self.size += len(block)
        return block


class Warden:
    """A client of one Warden server.

    ``log_inferences``, ``log_labels``, ``log_feedback`` and ``log_signals`` only buffer: a daemon
    thread sends batches of ``batch_size`` (or whatever waits after ``flush_interval`` seconds)
    with ``?partial=true``, so one bad record never costs the others. Records Warden refuses go to
    ``on_refused`` with their field and reason; nothing else is ever dropped unless the buffer,
    bounded by ``max_buffered`` records, overflows while the server is away (counted in
    ``stats().dropped`` and reported to ``on_error``). Requests time out after ``timeout`` seconds
    and are retried on timeouts, refused connections, 429 and 5xx, with exponential backoff and
    full jitter, honouring ``Retry-After``. The buffer is flushed at interpreter exit (for at most
    ``exit_timeout`` seconds) and by :meth:`close`.

    The registry calls (``register_model``, ``upload_artifact``, …) are synchronous and raise
    :class:`WardenError` on failure.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float = 10.0,
        batch_size: int = 500,
        flush_interval: float = 2.0,
        max_buffered: int = 100_000,
        max_retries: int = 5,
        backoff: float = 0.2,
        max_backoff: float = 30.0,
        exit_timeout: float = 10.0,
        on_refused: Optional[RefusedCallback] = None,
        on_error: Optional[ErrorCallback] = None,
    ) -> None:
        if not token:
            raise ValueError("token is required (an API token with an ingesting role)")
        self._transport = Transport(url, token, timeout, f"warden-client-python/{__version__}")
        self.exit_timeout = exit_timeout
        self._sender = Sender(
            self._transport,
            batch_size=batch_size,
            flush_interval=flush_interval,
            max_buffered=max_buffered,
            max_retries=max_retries,
            backoff=backoff,
            max_backoff=max_backoff,
            on_refused=on_refused,
            on_error=on_error,
        )
        self._closed = False
        # One hook per client (a partial compares by identity), so closing one leaves the others'.
        # It holds the sender, not the client: a client dropped without close() is still flushed.
        self._exit_hook = functools.partial(self._sender.close, exit_timeout)
        atexit.register(self._exit_hook)

    # -- registry and workflow -------------------------------------------------------------------

    def register_model(self, name: str, owner: str, risk_tier: int = 3, **fields: Any) -> Dict[str, Any]:
        """Registers a model; ``fields`` as the API's (``team``, ``useCase``, ``tags``, …)."""
        return self._call("POST", "/api/v1/models", {"name": name, "owner": owner, "riskTier": risk_tier, **fields})

    def get_model(self, name: str) -> Dict[str, Any]:
        return self._call("GET", f"/api/v1/models/{_q(name)}")

    def register_version(
        self, model: str, version: str, lineage: Mapping[str, Any], **fields: Any
    ) -> Dict[str, Any]:
        """Registers a version with its lineage; ``fields`` as the API's (``framework``, ``metrics``, ``inputSchema``, …)."""
        return self._call(
            "POST", f"/api/v1/models/{_q(model)}/versions", {"version": version, "lineage": dict(lineage), **fields}
        )

    def get_version(self, model: str, version: str) -> Dict[str, Any]:
        return self._call("GET", f"/api/v1/models/{_q(model)}/versions/{_q(version)}")

    def upload_artifact(
        self, model: str, version: str, source: Union[PathLike, IO[bytes]], size: Optional[int] = None
    ) -> Dict[str, Any]:
        """Streams a version's artifact (a path or a binary file) and checks the SHA-256 the server stored.

        The bytes are hashed as they are sent, never held in memory whole. Returns ``{sha256, size}``;
        raises :class:`WardenError` when the server stored other bytes than were sent.
        """
        own = isinstance(source, (str, os.PathLike))
        file: IO[bytes] = open(source, "rb") if isinstance(source, (str, os.PathLike)) else source
        try:
            if size is None:
                try:
                    size = os.fstat(file.fileno()).st_size - file.tell()
                except (AttributeError, OSError, ValueError):
                    raise ValueError("size is required for a stream without a file descriptor") from None
            reader = _HashingReader(file)
            response = self._transport.request(
                "PUT",
                f"/api/v1/models/{_q(model)}/versions/{_q(version)}/artifact",
                reader,  # type: ignore[arg-type]
                {"content-type": "application/octet-stream", "content-length": str(size)},
                timeout=max(self._transport.timeout, 300.0),
            )
        finally:
            if own:
                file.close()
        stored: Dict[str, Any] = response.json()
        digest = reader.sha256.hexdigest()
        if stored.get("sha256") != digest or stored.get("size") != reader.size:
            raise WardenError(
                f"artifact integrity: sent {reader.size} bytes with SHA-256 {digest}, "
                f"the server stored {stored.get('size')} bytes with {stored.get('sha256')}",
                code="integrity_failure",
            )
        return stored

    def download_artifact(self, model: str, version: str, destination: Union[PathLike, IO[bytes]]) -> Dict[str, Any]:
        """Streams a version's artifact to a path or binary file and checks it against its SHA-256."""
        own = isinstance(destination, (str, os.PathLike))
        file: IO[bytes] = open(destination, "wb") if isinstance(destination, (str, os.PathLike)) else destination
        hashing = _HashingWriter(file)
        try:
            response = self._transport.request(
                "GET",
                f"/api/v1/models/{_q(model)}/versions/{_q(version)}/artifact",
                headers={"accept": "application/octet-stream"},
                timeout=max(self._transport.timeout, 300.0),
                stream_to=hashing,  # type: ignore[arg-type]
            )
        finally:
            if own:
                file.close()
        expected = response.headers.get("x-warden-sha256")
        digest = hashing.sha256.hexdigest()
        if expected != digest:
            raise WardenError(
                f"artifact integrity: received SHA-256 {digest}, the server announced {expected}",
                code="integrity_failure",
            )
        return {"sha256": digest, "size": hashing.size}

    def open_transition(
        self, model: str, version: str, to: str, reason: str, evidence: Optional[Sequence[str]] = None
    ) -> Dict[str, Any]:
        """Asks to move a version to stage ``to``: opens a change request (the policy decides the approvals)."""
        body: Dict[str, Any] = {"to": to, "reason": reason}
        if evidence:
            body["evidence"] = list(evidence)
        return self._call("POST", f"/api/v1/models/{_q(model)}/versions/{_q(version)}/transitions", body)

    def get_change_request(self, change_request_id: str) -> Dict[str, Any]:
        return self._call("GET", f"/api/v1/change-requests/{_q(change_request_id)}")

    def list_change_requests(
        self, *, status: Optional[str] = None, model: Optional[str] = None, kind: Optional[str] = None, limit: int = 100
    ) -> List[Dict[str, Any]]:
        """Change requests, newest first, following pages up to ``limit``."""
        out: List[Dict[str, Any]] = []
        token: Optional[str] = None
        while len(out) < limit:
            query = {k: v for k, v in {"status": status, "model": model, "kind": kind}.items() if v is not None}
            query["limit"] = str(min(100, limit - len(out)))
            if token:
                query["pageToken"] = token
            page = self._call("GET", f"/api/v1/change-requests?{urllib.parse.urlencode(query)}")
            out.extend(page.get("items", []))
            token = page.get("nextPageToken")
            if not token:
                break
        return out

    def _call(self, method: str, path: str, payload: Any = None) -> Dict[str, Any]:
        result: Dict[str, Any] = self._transport.request_json(method, path, payload)
        return result

    # -- monitoring ------------------------------------------------------------------------------

    def log_inferences(self, model: str, version: str, records: Any) -> None:
        """Buffers inference records ``{id?, timestamp?, features, prediction, score?, segment?, latencyMs?, error?, signals?, cost?, tokensIn?, tokensOut?}``.

        ``records`` is one record, an iterable of them, or a pandas DataFrame (a row per record).
        A record without ``id`` gets a random one; without ``timestamp``, the time it was logged.
        """
        self._log("inferences", model, version, records)

    def log_labels(self, model: str, version: str, records: Any) -> None:
        """Buffers delayed ground truth ``{id, label}``, joined by Warden to the record with that id."""
        self._log("labels", model, version, records)

    def log_feedback(self, model: str, version: str, records: Any) -> None:
        """Buffers user feedback ``{id, rating: "up"|"down", report?}``."""
        self._log("feedback", model, version, records)

    def log_signals(self, model: str, version: str, records: Any) -> None:
        """Buffers safety signals found after the answer ``{id, signals: {name: bool | str}}``."""
        self._log("signals", model, version, records)

    def _log(self, kind: str, model: str, version: str, records: Any) -> None:
        ready: List[Dict[str, Any]] = []
        refused: List[RefusedRecord] = []
        for record in rows_of(records):
            prepared, problem = prepare(kind, record)
            if prepared is not None:
                ready.append(prepared)
            else:
                assert isinstance(problem, UnsupportedValue)
                rid = record.get("id") if isinstance(record, Mapping) else None
                refused.append(
                    RefusedRecord(kind, model, version, None if rid is None else str(rid), problem.field, problem.reason, record)
                )
        self._sender.add((kind, model, version), ready, refused)

    def flush(self, timeout: Optional[float] = None) -> bool:
        """Sends everything buffered; True once the buffer is empty, False if ``timeout`` passed first."""
        return self._sender.flush(timeout)

    def stats(self) -> Stats:
        """Counters so far: logged, sent, accepted, duplicates, refused, dropped, buffered, retries."""
        return self._sender.stats()

    def close(self, timeout: Optional[float] = 30.0) -> bool:
        """Flushes (for at most ``timeout`` seconds) and stops; later ``log_*`` calls raise. True if nothing was lost."""
        if self._closed:
            return True
        self._closed = True
        atexit.unregister(self._exit_hook)
        return self._sender.close(timeout)

    def __enter__(self) -> "Warden":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _HashingWriter:
    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, block: bytes) -> int:
        self.sha256.update(block)
        self.size += len(block)
        return self._file.write(block)
