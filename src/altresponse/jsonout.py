"""The `--json` contract: one JSON object as the last line of stdout."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit_json(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, sort_keys=True, default=str, separators=(",", ":")) + "\n")
    sys.stdout.flush()
