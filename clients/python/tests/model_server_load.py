"""Drives examples/model_server.py with N predictions, 1 % of them bad, and checks none of the good is lost.

    WARDEN_URL=… WARDEN_TOKEN=… python3 tests/model_server_load.py [--records 100000]

The model server runs in this process on a free port; requests of 100 instances go to it over
HTTP from 4 threads. A bad instance breaks the version's input schema (an amount below 0, a
country that is not a string, an age that is not an integer); a good one may carry NaN (a
missing age). At the end the client is closed and the script checks, and prints as JSON:
every bad record was reported to ``on_refused`` (and only those), the client dropped nothing,
and Warden's own counter of stored records for the model (``GET /metrics``) grew by exactly the
number of good records. Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Set

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "examples"))

import model_server  # noqa: E402
from warden_client import RefusedRecord, Warden  # noqa: E402

PER_REQUEST = 100


def stored_count(url: str, token: str, model: str) -> int:
    """Records Warden stored for the model, read from its Prometheus counter."""
    request = urllib.request.Request(f"{url}/metrics", headers={"authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read().decode()
    for line in text.splitlines():
        if line.startswith("warden_ingested_records_total{") and f'model="{model}"' in line and 'outcome="accepted"' in line:
            return int(float(line.rsplit(" ", 1)[1]))
    return 0


def instance(i: int) -> Dict[str, Any]:
    countries = ["de", "fr", "it"]
    row: Dict[str, Any] = {
        "request_id": f"req-{i}",
        "amount": float((i * 37) % 1000),
        "age": 20 + i % 50,
        "country": countries[i % 3],
    }
    if i % 100 == 7:  # 1 % bad, three kinds
        kind = (i // 100) % 3
        if kind == 0:
            row["amount"] = -1.0
        elif kind == 1:
            row["country"] = 7
        else:
            row["age"] = 30.5
    elif i % 50 == 3:
        row["age"] = float("nan")  # a missing value, not a bad record
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    args = parser.parse_args()
    url, token = os.environ["WARDEN_URL"], os.environ["WARDEN_TOKEN"]
    n = args.records
    refused: List[RefusedRecord] = []
    errors: List[str] = []
    lock = threading.Lock()

    def on_refused(batch: List[RefusedRecord]) -> None:
        with lock:
            refused.extend(batch)

    def on_error(error: Exception, records: int) -> None:
        with lock:
            errors.append(f"{error} ({records})")

    warden = Warden(url, token, batch_size=2000, flush_interval=0.5, on_refused=on_refused, on_error=on_error)
    model_server.register(warden)
    before = stored_count(url, token, model_server.MODEL)
    server = model_server.make_server(warden, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]

    def send(start: int) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body = json.dumps({"instances": [instance(i) for i in range(start, min(n, start + PER_REQUEST))]})
        conn.request("POST", "/predict", body=body, headers={"content-type": "application/json"})
        response = conn.getresponse()
        answered = len(json.loads(response.read())["predictions"])
        conn.close()
        return answered

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=4) as pool:
        answered = sum(pool.map(send, range(0, n, PER_REQUEST)))
    served = time.monotonic() - started
    closed_cleanly = warden.close(timeout=120)
    elapsed = time.monotonic() - started
    server.shutdown()
    stats = warden.stats()
    bad: Set[str] = {f"req-{i}" for i in range(n) if i % 100 == 7}
    refused_ids = {r.id for r in refused}
    stored = stored_count(url, token, model_server.MODEL) - before
    good = n - len(bad)
    checks = {
        "every prediction answered": answered == n,
        "exactly the bad records refused": refused_ids == bad and len(refused) == len(bad),
        "nothing dropped": stats.dropped == 0 and closed_cleanly and not errors,
        "every good record stored (client count)": stats.accepted + stats.duplicates == good,
        "every good record stored (Warden's count)": stored == good,
    }
    print(
        json.dumps(
            {
                "records": n,
                "good": good,
                "bad": len(bad),
                "stored": stored,
                "refused": len(refused),
                "refusedFields": sorted({r.field for r in refused}),
                "stats": {k: v for k, v in stats.__dict__.items()},
                "errors": errors[:5],
                "servedSeconds": round(served, 2),
                "seconds": round(elapsed, 2),
                "checks": checks,
            }
        )
    )
    sys.exit(0 if all(checks.values()) else 1)


if __name__ == "__main__":
    main()
