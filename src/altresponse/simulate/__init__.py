"""Capacity, staffing and budget for alternative responder teams.

Service-time fits, demand models, a fast discrete-event fleet simulation, Erlang C/A sizing, a
shift-scheduling integer program and a Monte Carlo cost model. The public entry points read a
classified calls file and write JSON + a self-contained HTML page.
"""

from __future__ import annotations

from altresponse.simulate.api import run_simulation, run_staffing

__all__ = ["run_simulation", "run_staffing"]
