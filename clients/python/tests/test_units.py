"""Pure parts of the client: value conversion, Retry-After, backoff, and the 3.9 grammar.

Run with ``python3 -m unittest discover -s clients/python/tests`` (PYTHONPATH=clients/python).
Expected values are worked out by hand in the comments.
"""

from __future__ import annotations

import ast
import datetime as dt
import decimal
import os
import unittest

from warden_client._http import backoff_delay, retry_after_seconds
from warden_client._values import MISSING, normalize, prepare

PACKAGE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "warden_client")


class NormalizeTest(unittest.TestCase):
    def test_non_finite_numbers_are_missing(self) -> None:
        for value in (float("nan"), float("inf"), float("-inf"), None):
            self.assertIs(normalize(value), MISSING)
        self.assertEqual(normalize(1.5), 1.5)

    def test_missing_features_are_null_and_other_missing_keys_are_left_out(self) -> None:
        record = {
            "id": "x",
            "features": {"a": float("nan"), "b": 2},
            "score": float("inf"),
            "segment": {"region": None, "tier": "gold"},
        }
        self.assertEqual(
            normalize(record), {"id": "x", "features": {"a": None, "b": 2}, "segment": {"tier": "gold"}}
        )

    def test_times_decimals_and_lists(self) -> None:
        # A naive time is taken as UTC; an aware one is converted to UTC (10:00+02:00 is 08:00Z).
        self.assertEqual(normalize(dt.datetime(2026, 3, 2, 9, 15)), "2026-03-02T09:15:00Z")
        plus_two = dt.timezone(dt.timedelta(hours=2))
        self.assertEqual(normalize(dt.datetime(2026, 3, 2, 10, 0, tzinfo=plus_two)), "2026-03-02T08:00:00Z")
        self.assertEqual(normalize(decimal.Decimal("2.25")), 2.25)
        self.assertEqual(normalize((1, float("nan"))), [1, None])

    def test_numpy_and_pandas_when_installed(self) -> None:
        try:
            import numpy as np
            import pandas as pd
        except ImportError:  # pragma: no cover — the client does not need them
            self.skipTest("numpy/pandas not installed")
        self.assertEqual(normalize(np.int64(7)), 7)
        self.assertIs(type(normalize(np.int64(7))), int)
        self.assertIs(normalize(np.bool_(True)), True)
        self.assertIs(normalize(np.float32(np.nan)), MISSING)
        self.assertEqual(normalize(np.array([1.0, np.nan])), [1.0, None])
        self.assertIs(normalize(pd.NA), MISSING)
        self.assertIs(normalize(pd.NaT), MISSING)
        self.assertEqual(normalize(pd.Timestamp("2026-03-02T09:15:00Z")), "2026-03-02T09:15:00Z")
        self.assertEqual(normalize(pd.Series({"a": 1.0, "b": np.nan})), {"a": 1.0})

    def test_unsendable_values_name_their_field(self) -> None:
        record, problem = prepare("inferences", {"id": "x", "features": {"blob": object()}, "prediction": 1})
        self.assertIsNone(record)
        assert problem is not None
        self.assertEqual(problem.field, "features.blob")

    def test_inference_records_get_an_id_and_a_time(self) -> None:
        record, _ = prepare("inferences", {"features": {}, "prediction": 1})
        assert record is not None
        self.assertEqual(len(record["id"]), 32)
        self.assertTrue(record["timestamp"].endswith("Z"))
        label, _ = prepare("labels", {"id": "x", "label": 1})
        self.assertEqual(label, {"id": "x", "label": 1})


class RetryTest(unittest.TestCase):
    def test_retry_after_in_seconds_or_as_a_date(self) -> None:
        self.assertEqual(retry_after_seconds("3"), 3.0)
        self.assertIsNone(retry_after_seconds(None))
        self.assertIsNone(retry_after_seconds("soon"))
        # Wed, 21 Oct 2015 07:28:00 GMT is 1445412480 s after the epoch; 30 s before it, wait 30 s.
        self.assertEqual(retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412450.0), 30.0)
        self.assertEqual(retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412490.0), 0.0)

    def test_full_jitter_backoff_is_capped(self) -> None:
        # base 0.2 s: the ceiling doubles per attempt (0.2, 0.4, 0.8, …) up to the cap.
        self.assertEqual(backoff_delay(0, 0.2, 30, rng=lambda: 1.0), 0.2)
        self.assertEqual(backoff_delay(3, 0.2, 30, rng=lambda: 1.0), 1.6)
        self.assertEqual(backoff_delay(3, 0.2, 30, rng=lambda: 0.5), 0.8)
        self.assertEqual(backoff_delay(20, 0.2, 30, rng=lambda: 1.0), 30)
        self.assertEqual(backoff_delay(5, 0.2, 30, rng=lambda: 0.0), 0.0)


class GrammarTest(unittest.TestCase):
    def test_every_module_parses_as_python_3_9(self) -> None:
        names = sorted(n for n in os.listdir(PACKAGE) if n.endswith(".py"))
        self.assertIn("_client.py", names)
        for name in names:
            with open(os.path.join(PACKAGE, name), encoding="utf-8") as f:
                ast.parse(f.read(), filename=name, feature_version=(3, 9))
        self.assertTrue(os.path.exists(os.path.join(PACKAGE, "py.typed")))


if __name__ == "__main__":
    unittest.main()

