"""Warden's Python client (standard library only).

>>> from warden_client import Warden
>>> warden = Warden("http://127.0.0.1:8080", token)
>>> warden.log_inferences("fraud", "1.4.0", [{"id": "tx-1", "features": {"amount": 12.5}, "prediction": 0}])
"""

from ._client import Warden, __version__
from ._http import WardenError
from ._sender import RefusedRecord, Stats

__all__ = ["Warden", "WardenError", "RefusedRecord", "Stats", "__version__"]
