"""Implementation plan: call-type selection, provider gaps, phases, timeline, budget and monitoring.

Domain models (peers, selection, gaps, phases, timeline, staffing, provenance) take plain objects
and do no I/O; `build_plan` is the adapter that reads the analysis and staffing outputs and writes
plan.html, plan.pdf, plan.json and monitoring.json.
"""

from __future__ import annotations

from altresponse.plan.peers import PeerCatalogue, PeerFigure, PeerProgram, load_peers
from altresponse.plan.selection import Candidate, Ranking, rank_candidates

__all__ = ["Candidate", "PeerCatalogue", "PeerFigure", "PeerProgram", "Ranking", "load_peers",
           "rank_candidates"]
