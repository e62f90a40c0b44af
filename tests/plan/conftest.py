"""Fixtures for the plan tests: one synthetic classified table and one plan built from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from altresponse.profile import load_profile

from .synthetic import write_classified


@pytest.fixture(scope="session")
def analysis_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("analysis")
    write_classified(d / "classified.parquet")
    return d


@pytest.fixture(scope="session")
def built_plan(analysis_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from altresponse.plan.build import build_plan

    out = tmp_path_factory.mktemp("plan")
    build_plan(load_profile("baltimore"), analysis_dir, None, out)
    return out, json.loads((out / "plan.json").read_text())
