"""A model server that logs every prediction to Warden (standard library only).

    WARDEN_URL=http://127.0.0.1:8080 WARDEN_TOKEN=… python3 model_server.py --port 8000
    curl -X POST localhost:8000/predict -d '{"instances": [{"request_id": "r1", "amount": 120.5, "age": 41, "country": "de"}]}'

``POST /predict`` takes ``{"instances": [{request_id?, amount, age, country}, …]}`` and answers
``{"predictions": [{request_id, label, score}, …]}``. Each prediction is handed to
``Warden.log_inferences``, which only buffers: the answer never waits for Warden, and a record
Warden refuses (say an amount below the schema's minimum) is reported to ``on_refused`` while
the rest of its batch is stored. ``POST /labels`` takes ``[{request_id, label}]`` when the truth
is known. docs/clients.md shows the same with FastAPI.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Tuple

try:
    from warden_client import RefusedRecord, Warden
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    from warden_client import RefusedRecord, Warden

MODEL = os.environ.get("MODEL_NAME", "fraud-scorer")
VERSION = os.environ.get("MODEL_VERSION", "1.0.0")

#: The inputs this model declares to Warden: each logged record is checked against them.
INPUT_SCHEMA = [
    {"name": "amount", "type": "number", "min": 0},
    {"name": "age", "type": "integer", "nullable": True},
    {"name": "country", "type": "category", "categories": ["de", "fr", "it"]},
]


def predict(instance: Dict[str, Any]) -> Tuple[int, float]:
    """A stand-in for the real model: a logistic score on the amount."""
    amount = instance.get("amount")
    x = float(amount) if isinstance(amount, (int, float)) and math.isfinite(amount) else 0.0
    score = 1.0 / (1.0 + math.exp(-(x - 500.0) / 100.0))
    return int(score >= 0.5), round(score, 6)


def register(warden: Warden) -> None:
    """Registers the model and version once (a deployment pipeline would do this)."""
    try:
        warden.get_version(MODEL, VERSION)
        return
    except Exception:  # noqa: BLE001 — not registered yet
        pass
    try:
        warden.register_model(MODEL, owner="fraud-team", risk_tier=3, useCase="card fraud scoring")
    except Exception as error:  # noqa: BLE001
        if getattr(error, "status", None) != 409:
            raise
    warden.register_version(
        MODEL,
        VERSION,
        lineage={"datasets": [{"name": "train", "uri": "s3://fraud/train.parquet", "sha256": "0" * 64}]},
        framework="sklearn",
        metrics={"accuracy": 0.91},
        inputSchema=INPUT_SCHEMA,
    )


def make_handler(warden: Warden) -> type:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _json(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length", "0"))
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                return self._json(400, {"error": "body is not JSON"})
            if self.path == "/predict":
                return self._predict(body)
            if self.path == "/labels":
                warden.log_labels(MODEL, VERSION, [{"id": r["request_id"], "label": r["label"]} for r in body])
                return self._json(200, {"labels": len(body)})
            self._json(404, {"error": "not found"})

        def _predict(self, body: Any) -> None:
            started = time.perf_counter()
            instances: List[Dict[str, Any]] = body.get("instances", []) if isinstance(body, dict) else []
            predictions, records = [], []
            for instance in instances:
                request_id = str(instance.get("request_id") or uuid.uuid4().hex)
                label, score = predict(instance)
                predictions.append({"request_id": request_id, "label": label, "score": score})
                features = {k: v for k, v in instance.items() if k != "request_id"}
                records.append({"id": request_id, "features": features, "prediction": label, "score": score})
            latency = (time.perf_counter() - started) * 1000.0
            for r in records:
                r["latencyMs"] = latency
            # Buffers only: Warden's availability never slows or fails a prediction.
            warden.log_inferences(MODEL, VERSION, records)
            self._json(200, {"predictions": predictions})

    return Handler


def make_server(warden: Warden, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer((host, port), make_handler(warden))
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    refused_lock = threading.Lock()

    def on_refused(refused: List[RefusedRecord]) -> None:
        with refused_lock:
            for r in refused:
                print(f"warden refused {r.id}: {r.field}: {r.reason}", file=sys.stderr)

    warden = Warden(os.environ["WARDEN_URL"], os.environ["WARDEN_TOKEN"], on_refused=on_refused)
    register(warden)
    server = make_server(warden, port=args.port)
    print(f"serving {MODEL}@{VERSION} on :{server.server_address[1]}", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        warden.close()  # also done at exit; explicit here to report before the process ends


if __name__ == "__main__":
    main()
