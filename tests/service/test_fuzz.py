"""Property-based fuzzing of the whole OpenAPI document, in process: no 5xx, responses match the schema."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from altresponse.ops import repository as repo
from tests.service.conftest import bearer, make_app

MAX_EXAMPLES = 20
ROLE_FOR = {  # the role that may call each operation, so fuzzing reaches past authorisation
    ("POST", "/triage"): "call_taker",
    ("POST", "/referrals"): "call_taker",
    ("GET", "/stats"): "analyst",
    ("GET", "/protocol/versions"): "analyst",
    ("GET", "/users"): "admin",
    ("POST", "/users"): "admin",
    ("PUT", "/directory"): "admin",
}


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    app = make_app(f"sqlite:///{Path(tmp_path_factory.mktemp('fuzz')) / 'fuzz.db'}")
    store = app.state.store
    ct = repo.Actor(1, "ct", "call_taker")
    # Something for the referral routes to find: decisions and referrals for the provider's org.
    for i in range(3):
        rec = repo.record_decision(store, ct, call_ref=f"F{i}", common_type="welfare_check",
                                   category="welfare_assist", answers={}, pathway="community_responder",
                                   responder="community_responder_team", rule_ids=["R"], reasons=["r"],
                                   fallbacks=[], protocol_version="v", protocol_hash="h", matched=[])
        repo.create_referral(store, ct, decision_id=rec.id, service_id="svc", organization_id="org-a")
    app.state.tokens = {u.role: bearer(store, u.username, 30) for u in repo.list_users(store)
                        if u.username != "other"}
    yield app
    store.dispose()


def _role(method: str, path: str) -> str:
    role = ROLE_FOR.get((method.upper(), path))
    if role is None:
        role = "provider" if path.startswith("/referrals/") else "call_taker"
    return role


CHECKS = [checks.not_a_server_error, checks.response_schema_conformance, checks.status_code_conformance,
          checks.content_type_conformance]


@pytest.mark.slow
def test_api_never_errors_and_matches_its_schema(fuzz_app: object) -> None:
    """Every operation, bounded examples each (schemathesis strategies driven by Hypothesis)."""
    api = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    tokens = fuzz_app.state.tokens  # type: ignore[attr-defined]
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:
        headers = tokens[_role(operation.method, operation.path)]
        _fuzz(operation, headers)()


def _fuzz(operation: Any, headers: dict[str, str]) -> Callable[[], None]:
    @given(case=operation.as_strategy())
    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run  # type: ignore[no-any-return]
