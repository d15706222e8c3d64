"""One HTTP request to Warden at a time, with timeouts and retries (standard library only)."""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import IO, Any, Callable, Dict, Mapping, Optional, Union

Body = Union[bytes, IO[bytes], None]

#: Statuses worth another attempt: the server is busy, restarting or behind a proxy that is.
RETRIABLE_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class WardenError(Exception):
    """An answer Warden refused, or a server that could not be reached.

    ``status`` is the HTTP status (``None`` when no answer came), ``code`` Warden's stable error
    code (``invalid_input``, ``not_found``, …) and ``field`` the input it names, when it does.
    """

    def __init__(
        self,
        message: str,
        status: Optional[int] = None,
        code: Optional[str] = None,
        field: Optional[str] = None,
        body: Any = None,
        retry_after: Optional[float] = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.field = field
        self.body = body
        #: Seconds the server asked to wait (``Retry-After``), when it did.
        self.retry_after = retry_after

    @property
    def retriable(self) -> bool:
        return self.status is None or self.status in RETRIABLE_STATUSES


@dataclass
class Response:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


def retry_after_seconds(value: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """Seconds a ``Retry-After`` header asks for: delay-seconds or an HTTP date (RFC 9110)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_delay(attempt: int, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base · 2^attempt)]."""
    return rng() * min(cap, base * (2.0**attempt))


def _error_of(response: Response) -> WardenError:
    code = field = None
    message = f"Warden answered {response.status}"
    body: Any = None
    try:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            code, field = error.get("code"), error.get("field")
            message = f"{message}: {error.get('message', '')}"
    except (ValueError, UnicodeDecodeError):
        message = f"{message}: {response.body[:300].decode('utf-8', 'replace')}"
    retry_after = retry_after_seconds(response.headers.get("retry-after"))
    return WardenError(message, response.status, code, field, body, retry_after)


class Transport:
    """Sends requests to one Warden server; safe to share between threads."""

    def __init__(self, url: str, token: str, timeout: float, user_agent: str) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"url must be http(s)://host[:port], got {url!r}")
        self._scheme = parsed.scheme
        self._host = parsed.hostname
        self._port = parsed.port
        self._prefix = parsed.path.rstrip("/")
        self._token = token
        self.timeout = timeout
        self._user_agent = user_agent
        self._local = threading.local()

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        conn: Optional[http.client.HTTPConnection] = getattr(self._local, "conn", None)
        if conn is None:
            if self._scheme == "https":
                conn = http.client.HTTPSConnection(
                    self._host, self._port, timeout=timeout, context=ssl.create_default_context()
                )
            else:
                conn = http.client.HTTPConnection(self._host, self._port, timeout=timeout)
            self._local.conn = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def _drop_connection(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def request(
        self,
        method: str,
        path: str,
        body: Body = None,
        headers: Optional[Dict[str, str]] = None,
        timeout: Optional[float] = None,
        stream_to: Optional[IO[bytes]] = None,
    ) -> Response:
        """One attempt. Raises :class:`WardenError` (status ``None``) when no answer came.

        With ``stream_to``, a 2xx body is copied there in blocks instead of being kept in memory.
        """
        all_headers = {
            "authorization": f"Bearer {self._token}",
            "user-agent": self._user_agent,
            "accept": "application/json",
        }
        all_headers.update(headers or {})
        t = self.timeout if timeout is None else timeout
        try:
            conn = self._connection(t)
            conn.request(method, self._prefix + path, body=body, headers=all_headers)
            raw = conn.getresponse()
            response_headers = {k.lower(): v for k, v in raw.getheaders()}
            if stream_to is not None and 200 <= raw.status < 300:
                while True:
                    block = raw.read(65536)
                    if not block:
                        break
                    stream_to.write(block)
                data = b""
            else:
                data = raw.read()
            if response_headers.get("connection", "").lower() == "close":
                self._drop_connection()
        except (OSError, http.client.HTTPException, socket.timeout) as error:
            self._drop_connection()
            raise WardenError(f"could not reach Warden: {error}") from error
        response = Response(raw.status, response_headers, data)
        if response.status >= 400:
            raise _error_of(response)
        return response

    def request_json(self, method: str, path: str, payload: Any = None, timeout: Optional[float] = None) -> Any:
        body = None if payload is None else json.dumps(payload, allow_nan=False).encode("utf-8")
        headers = {} if body is None else {"content-type": "application/json"}
        return self.request(method, path, body, headers, timeout).json()

    def close(self) -> None:
        self._drop_connection()
