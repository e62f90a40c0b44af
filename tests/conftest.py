"""Shared fixtures: the reference data folder and the database engines.

Reference data (`ALTRESPONSE_SHARED`, default ../shared) is optional for the product but used by
many tests; when it is absent those tests skip with a reason, except under CI=true, where absence
is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _shared_dir() -> Path:
    return Path(os.environ.get("ALTRESPONSE_SHARED", ROOT.parent / "shared")).resolve()


os.environ.setdefault("ALTRESPONSE_SHARED", str(_shared_dir()))


@pytest.fixture(scope="session")
def shared() -> Path:
    """Path to ../shared; skips (or fails under CI=true) when it is missing."""
    path = _shared_dir()
    if not (path / "data").is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"reference data folder missing under CI: {path}")
        pytest.skip(f"reference data folder not found: {path} (set ALTRESPONSE_SHARED)")
    return path


POSTGRES_URL = os.environ.get("ALTRESPONSE_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the test PostgreSQL server; skips (fails under CI=true) when it is not reachable."""
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(POSTGRES_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # pragma: no cover - depends on the machine
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable under CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    return POSTGRES_URL
