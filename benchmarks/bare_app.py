"""The floor for triage latency: a bare FastAPI endpoint on the same machine, no auth, no database.

Run: python benchmarks/bare_app.py --port 8001   (used by benchmarks/triage_load.py)
"""

from __future__ import annotations

import argparse
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel


class TriageIn(BaseModel):
    call_ref: str
    common_type: str
    answers: dict[str, str] = {}


def create_bare_app() -> FastAPI:
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/triage", status_code=201)
    def triage(body: TriageIn) -> dict[str, Any]:
        return {"decision_id": 1, "call_ref": body.call_ref, "pathway": "police",
                "responder": "police_patrol", "rule_ids": ["R"], "reasons": ["bare"], "providers": [],
                "answers": body.answers}

    return app


if __name__ == "__main__":
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    uvicorn.run(create_bare_app(), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
