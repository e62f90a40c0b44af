"""Saved stage results: where each lives and how a later command loads it back as its typed result."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from altresponse.errors import BadInput
from altresponse.results import LANDSCAPE_FACTS_FILE, Headline, LandscapeFacts

LANDSCAPE_FILE = LANDSCAPE_FACTS_FILE
STAFFING_FILE = "staffing.json"
PLAN_FILE = "plan.json"


def _analysis_dir(path: Path) -> Path:
    """The analysis folder given either the folder or the classified calls file inside it."""
    return path if path.is_dir() else path.parent


def load_landscape(path: str | Path) -> LandscapeFacts:
    """The landscape result saved by `altresponse analyze` (folder, or the classified file in it)."""
    saved = _analysis_dir(Path(path)) / LANDSCAPE_FACTS_FILE
    if not saved.exists():
        raise BadInput(
            f"no landscape result beside the classified calls (expected {saved}); run "
            "`altresponse analyze` first: later stages use its period and officer time, they do not "
            "recompute them",
            file=str(path),
        )
    try:
        return LandscapeFacts.model_validate_json(saved.read_text(encoding="utf-8"))
    except ValidationError as exc:
        raise BadInput(f"not a landscape result this version can read ({exc.error_count()} problems, "
                       f"first: {exc.errors()[0]['msg']}); run `altresponse analyze` again",
                       file=str(saved)) from exc


def load_staffing_headline(folder: str | Path) -> Headline:
    """The headline the staffing stage saved (it carries the landscape's figures too)."""
    path = Path(folder) / STAFFING_FILE
    if not path.exists():
        raise BadInput(f"no staffing result in this folder (expected {path}); run `altresponse staff` first",
                       file=str(folder))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Headline(figures=data["headline"], call_sets=data.get("headline_call_sets") or {})
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise BadInput(f"not a staffing result this version can read ({exc}); run `altresponse staff` again",
                       file=str(path)) from exc
