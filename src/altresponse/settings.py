"""Process-wide settings from ALTRESPONSE_* environment variables (pydantic-settings)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Where things live and how the service runs. Every field can be set as ALTRESPONSE_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="ALTRESPONSE_", env_file=None, extra="ignore")

    shared: Path = Path("../shared")
    profile: str = "baltimore"
    db_url: str = "sqlite:///altresponse.db"
    secret_key: str = "change-me-in-production-this-is-not-a-secret"
    token_minutes: int = 60
    duckdb_memory_limit: str = "1500MB"
    duckdb_threads: int = 0  # 0 = DuckDB's default (all cores)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
