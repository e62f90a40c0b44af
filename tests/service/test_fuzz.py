"""Property-based fuzzing of the whole OpenAPI document, in process, on SQLite and PostgreSQL: no 5xx,
responses match the schema. Valid and invalid inputs (schemathesis positive and negative modes).

The bounded run is part of every test run; `@pytest.mark.slow` runs many more examples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from altresponse.ops import repository as repo
from altresponse.ops.models import User
from tests.ops.dbs import fresh_db
from tests.service.conftest import bearer, make_app

BOUNDED_EXAMPLES = 6
LONG_EXAMPLES = 60
ROLE_FOR = {  # the role that may call each operation, so fuzzing reaches past authorisation
    ("POST", "/triage"): "call_taker",
    ("POST", "/referrals"): "call_taker",
    ("GET", "/stats"): "analyst",
    ("GET", "/protocol/versions"): "analyst",
    ("GET", "/users"): "admin",
    ("POST", "/users"): "admin",
    ("POST", "/users/{user_id}/disable"): "admin",
    ("POST", "/users/{user_id}/enable"): "admin",
    ("PUT", "/directory"): "admin",
}
USER_FOR = {"call_taker": "ct", "provider": "prov", "analyst": "ana", "admin": "adm"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def fuzz_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    with fresh_db(request.param, tmp_path, request) as url:
        app = make_app(url, login_attempts_per_minute=1000)
        store = app.state.store
        ct = repo.Actor(1, "ct", "call_taker")
        # Something for the referral routes to find: decisions and referrals for the provider's org.
        for i in range(3):
            rec = repo.record_decision(store, ct, call_ref=f"F{i}", common_type="welfare_check",
                                       category="welfare_assist", answers={}, pathway="community_responder",
                                       responder="community_responder_team", rule_ids=["R"], reasons=["r"],
                                       fallbacks=[], protocol_version="v", protocol_hash="h", matched=[])
            repo.create_referral(store, ct, decision_id=rec.id, service_id="svc", organization_id="org-a")
        yield app
        store.dispose()


def _role(method: str, path: str) -> str:
    role = ROLE_FOR.get((method.upper(), path))
    if role is None:
        role = "provider" if path.startswith("/referrals/") else "call_taker"
    return role


def _reset_users(store: repo.Store) -> None:
    """Fuzzing may disable users, lock them or change passwords; each operation starts afresh."""
    with store.write() as s:
        for user in s.query(User):
            user.active, user.failed_logins, user.locked_until = True, 0, None


CHECKS = [checks.not_a_server_error, checks.response_schema_conformance, checks.status_code_conformance,
          checks.content_type_conformance]


def _run_all(app: Any, examples: int) -> None:
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    store = app.state.store
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 18
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            _reset_users(store)
            role = _role(operation.method, operation.path)
            headers = bearer(store, USER_FOR[role], 30)
            try:
                _fuzz(operation, headers, mode, examples)()
            except Unsatisfiable:
                # An operation without parameters or body has no invalid input to generate.
                assert mode is GenerationMode.NEGATIVE, operation.path


def _fuzz(operation: Any, headers: dict[str, str], mode: GenerationMode, examples: int) -> Callable[[], None]:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run  # type: ignore[no-any-return]


def test_api_never_errors_and_matches_its_schema(fuzz_app: Any) -> None:
    """Every operation, a few valid and invalid examples each."""
    _run_all(fuzz_app, BOUNDED_EXAMPLES)


@pytest.mark.slow
def test_api_never_errors_and_matches_its_schema_long(fuzz_app: Any) -> None:
    _run_all(fuzz_app, LONG_EXAMPLES)
