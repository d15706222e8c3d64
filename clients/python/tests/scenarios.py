"""Scenarios the Node test suite runs against a real Warden server: ``python3 scenarios.py NAME``.

Each prints JSON lines the test reads (the server's side is checked by the test itself, from
its store). WARDEN_URL and WARDEN_TOKEN name the server; the model ``fraud`` at ``1.0.0`` is
registered with inputs amount (number ≥ 0), age (integer, nullable), country (category).
"""

from __future__ import annotations

import decimal
import json
import os
import sys
import time
from typing import Any, Dict, List

import numpy as np
import pandas as pd

from warden_client import RefusedRecord, Warden, WardenError

URL = os.environ["WARDEN_URL"]
TOKEN = os.environ["WARDEN_TOKEN"]


def emit(value: Any) -> None:
    print(json.dumps(value), flush=True)


def refusal(r: RefusedRecord) -> Dict[str, Any]:
    return {"kind": r.kind, "id": r.id, "field": r.field, "reason": r.reason}


def logging_scenario() -> None:
    refused: List[RefusedRecord] = []
    warden = Warden(URL, TOKEN, batch_size=50, flush_interval=60, on_refused=refused.extend)
    warden.log_inferences(
        "fraud",
        "1.0.0",
        [
            {
                "id": "a",
                "timestamp": "2026-03-02T09:15:00Z",
                "features": {"amount": np.float64(12.5), "age": np.int64(31), "country": np.str_("de")},
                "prediction": np.int64(1),
                "score": np.float32(0.75),
                "segment": {"region": np.str_("eu"), "channel": float("nan")},
            },
            {
                "id": "b",
                "timestamp": "2026-03-02T09:15:00Z",
                "features": {"amount": 5.0, "age": float("nan"), "country": "fr"},
                "prediction": 0,
                "score": float("nan"),
            },
            {
                "id": "c",
                "timestamp": "2026-03-02T09:15:00Z",
                "features": {"amount": float("inf"), "age": 40, "country": "fr"},
                "prediction": 0,
            },
            {
                "id": "d",
                "timestamp": pd.Timestamp("2026-03-02T09:20:00Z"),
                "features": {"amount": decimal.Decimal("3.5"), "age": pd.NA, "country": "it"},
                "prediction": np.bool_(True),
                "latencyMs": np.float64(-np.inf),
            },
            {"id": "e", "features": {"amount": 1.0, "blob": object()}, "prediction": 0},
        ],
    )
    frame = pd.DataFrame(
        {
            "id": ["g", "h"],
            "timestamp": ["2026-03-02T09:15:00Z", "2026-03-02T09:15:00Z"],
            "features": [{"amount": 1.0, "age": 20, "country": "de"}, {"amount": 2.0, "age": None, "country": "de"}],
            "prediction": [np.int64(0), np.int64(1)],
            "score": [0.25, np.nan],
        }
    )
    warden.log_inferences("fraud", "1.0.0", frame)
    warden.flush(30)
    warden.log_labels("fraud", "1.0.0", [{"id": "a", "label": np.int64(1)}, {"id": "b", "label": {"bad": 1}}])
    warden.log_feedback("fraud", "1.0.0", [{"id": "a", "rating": "up"}, {"id": "d", "rating": "meh"}])
    warden.log_signals(
        "fraud", "1.0.0", [{"id": "a", "signals": {"refusal": np.bool_(False)}}, {"id": "b", "signals": {"x": 5}}]
    )
    done = warden.close(30)
    stats = warden.stats()
    emit({"done": done, "refused": [refusal(r) for r in refused], "stats": stats.__dict__})


def retry_scenario() -> None:
    warden = Warden(URL, TOKEN, batch_size=100, flush_interval=60, backoff=0.01, max_backoff=0.05)
    started = time.monotonic()
    warden.log_inferences(
        "fraud",
        "1.0.0",
        [{"id": f"r{i}", "features": {"amount": float(i), "country": "de"}, "prediction": i % 2} for i in range(300)],
    )
    done = warden.flush(60)
    emit({"done": done, "seconds": time.monotonic() - started, "stats": warden.stats().__dict__})
    warden.close()


def down_scenario() -> None:
    errors: List[str] = []
    warden = Warden(
        URL,
        TOKEN,
        batch_size=100,
        flush_interval=0.05,
        max_buffered=1000,
        max_retries=1,
        backoff=0.02,
        max_backoff=0.1,
        timeout=2,
        on_error=lambda e, n: errors.append(f"{n}:{e}"),
    )
    for start in range(0, 2500, 100):
        warden.log_inferences(
            "fraud",
            "1.0.0",
            [
                {"id": f"d{i}", "features": {"amount": float(i), "country": "it"}, "prediction": 1}
                for i in range(start, start + 100)
            ],
        )
    time.sleep(0.5)
    emit({"phase": "down", "stats": warden.stats().__dict__, "bufferFull": sum("buffer full" in e for e in errors)})
    sys.stdin.readline()  # the test brings the server up
    done = warden.flush(60)
    emit({"phase": "up", "done": done, "stats": warden.stats().__dict__})
    warden.close()


def faults_scenario() -> None:
    # URL is a proxy that alters the digest the server reports for an upload.
    path = sys.argv[2]
    out: Dict[str, Any] = {}
    try:
        Warden(URL, TOKEN).upload_artifact("fraud", "1.0.0", path)
        out["upload"] = "accepted"
    except WardenError as error:
        out["upload"] = {"code": error.code, "message": str(error)[:40]}
    errors: List[str] = []
    warden = Warden(URL, TOKEN, on_error=lambda e, n: errors.append(f"{n}:{getattr(e, 'status', None)}"))
    warden.log_inferences("fraud", "9.9.9", [{"id": "u1", "features": {"amount": 1.0}, "prediction": 0}])
    warden.close(30)
    out["unknownVersion"] = {"errors": errors, "dropped": warden.stats().dropped}
    emit(out)


def exit_scenario() -> None:
    # Logged, never flushed nor closed: the interpreter's exit sends them.
    warden = Warden(URL, TOKEN, batch_size=500, flush_interval=3600)
    warden.log_inferences(
        "fraud",
        "1.0.0",
        [{"id": f"x{i}", "features": {"amount": 1.0, "country": "de"}, "prediction": 0} for i in range(42)],
    )
    emit({"buffered": warden.stats().buffered})


def registry_scenario() -> None:
    artifact, copy = sys.argv[2], sys.argv[3]
    warden = Warden(URL, TOKEN)
    model = warden.register_model("py-registry", owner="alice", risk_tier=3, team="fraud")
    version = warden.register_version(
        "py-registry",
        "1.0.0",
        lineage={"datasets": [{"name": "train", "uri": "s3://d/train.parquet", "sha256": "a" * 64}]},
        framework="sklearn",
        metrics={"accuracy": 0.9},
    )
    uploaded = warden.upload_artifact("py-registry", "1.0.0", artifact)
    downloaded = warden.download_artifact("py-registry", "1.0.0", copy)
    try:
        warden.register_model("py-registry", owner="alice")
        duplicate: Dict[str, Any] = {}
    except WardenError as error:
        duplicate = {"status": error.status, "code": error.code}
    change = warden.open_transition("py-registry", "1.0.0", "staging", "ready for staging tests")
    read = warden.get_change_request(change["id"])
    listed = warden.list_change_requests(model="py-registry")
    emit(
        {
            "model": model["name"],
            "version": version["version"],
            "uploaded": uploaded,
            "downloaded": downloaded,
            "duplicate": duplicate,
            "changeRequest": {"id": change["id"], "status": change["status"], "readStatus": read["status"]},
            "listed": [c["id"] for c in listed],
        }
    )
    warden.close()


def usage_scenario() -> None:
    """Cost and token counts of a generative model, as numpy values too; a NaN cost is left out."""
    refused: List[RefusedRecord] = []
    warden = Warden(URL, TOKEN, batch_size=50, flush_interval=60, on_refused=refused.extend)
    base = {"timestamp": "2026-03-02T09:15:00Z", "features": {"amount": 1.0, "age": 30, "country": "de"}, "prediction": 0}
    warden.log_inferences(
        "fraud",
        "1.0.0",
        [
            {**base, "id": "u1", "cost": 0.002, "tokensIn": 120, "tokensOut": 30},
            {**base, "id": "u2", "cost": np.float64(0.003), "tokensIn": np.int64(80), "tokensOut": np.int32(20)},
            {**base, "id": "u3", "cost": float("nan"), "tokensIn": 10},
            {**base, "id": "u4", "cost": -1.0},
        ],
    )
    done = warden.flush(timeout=30)
    emit({"done": done, "refused": [refusal(r) for r in refused], "stats": warden.stats().__dict__})
    warden.close()


if __name__ == "__main__":
    {
        "usage": usage_scenario,
        "logging": logging_scenario,
        "retry": retry_scenario,
        "down": down_scenario,
        "registry": registry_scenario,
        "exit": exit_scenario,
        "faults": faults_scenario,
    }[sys.argv[1]]()
