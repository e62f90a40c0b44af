"""Fixtures for the plan tests: one synthetic classified table and one plan built from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from altresponse.pipeline import load_landscape
from altresponse.profile import load_profile

from .synthetic import write_analysis


@pytest.fixture(scope="session")
def analysis_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_analysis(tmp_path_factory.mktemp("analysis"), load_profile("baltimore"))


@pytest.fixture(scope="session")
def built_plan(analysis_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    from altresponse.pipeline.plan import build_plan

    out = tmp_path_factory.mktemp("plan")
    build_plan(load_profile("baltimore"), analysis_dir, None, out, landscape=load_landscape(analysis_dir))
    return out, json.loads((out / "plan.json").read_text())
