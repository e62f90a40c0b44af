"""Implementation plan: call-type selection, provider gaps, phases, timeline, budget and monitoring.

Domain models (peers, selection, gaps, phases, timeline, staffing, provenance) take plain objects
and do no I/O; `build_plan` is the adapter that reads the analysis and staffing outputs and writes
plan.html, plan.pdf, plan.json and monitoring.json.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from altresponse.plan.peers import PeerCatalogue, PeerFigure, PeerProgram, load_peers
from altresponse.plan.selection import Candidate, Ranking, rank_candidates

if TYPE_CHECKING:
    from altresponse.profile import Profile


def build_plan(profile: Profile, analysis_dir: str | Path | None, staffing_dir: str | Path | None,
               out_dir: str | Path, *, compare: str | Path | None = None, pdf: bool = True) -> dict[str, Any]:
    """Write plan.html, plan.pdf, plan.json and monitoring.json into `out_dir`; return the plan."""
    from altresponse.plan.build import build_plan as _build

    return _build(profile, analysis_dir, staffing_dir, out_dir, compare=compare, pdf=pdf)


__all__ = ["Candidate", "PeerCatalogue", "PeerFigure", "PeerProgram", "Ranking", "build_plan", "load_peers",
           "rank_candidates"]
