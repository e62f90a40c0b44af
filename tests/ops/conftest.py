from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from altresponse.ops import Store, open_store
from tests.ops.dbs import fresh_db

AUDIT_KEY = b"ops-test-audit-key-kept-outside-the-database"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with fresh_db(request.param, tmp_path, request) as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    s = open_store(db_url, audit_key=AUDIT_KEY)
    yield s
    s.dispose()
