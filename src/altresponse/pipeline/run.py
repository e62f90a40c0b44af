"""Run the stages in order, each on the previous stage's typed result, saving each as it goes."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from altresponse.profile import Profile
from altresponse.results import Headline, LandscapeFacts

_console = Console(stderr=True)


@dataclass
class PipelineResult:
    """What each stage produced; `headline` is the last stage's (it carries every earlier figure)."""

    analysis: dict[str, Any]
    landscape: LandscapeFacts
    staffing: dict[str, Any]
    plan: dict[str, Any]
    headline: Headline
    timings_s: dict[str, float] = field(default_factory=dict)
    folders: dict[str, Path] = field(default_factory=dict)


def run_pipeline(
    calls: Path,
    out: Path,
    profile: Profile,
    *,
    boundaries: Mapping[str, Path] | None = None,
    indicators: Path | None = None,
    target_reach: float | None = None,
    target_minutes: float | None = None,
    sample_fraction: float | None = None,
    allow_unreviewed: bool = False,
    step: Callable[[str], None] | None = None,
) -> PipelineResult:
    """classify + landscape -> staffing -> plan, passing typed results in memory."""
    from altresponse.pipeline.analyze import run_analysis
    from altresponse.pipeline.plan import build_plan
    from altresponse.pipeline.staffing import run_staffing
    from altresponse.plan.config import plan_config

    cfg = plan_config(profile.section("plan"), file=profile.path)
    reach = cfg.target_reach if target_reach is None else target_reach
    minutes = cfg.target_minutes if target_minutes is None else target_minutes
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        if step is not None:
            step(name)
        start = time.perf_counter()
        value = fn()
        timings[name] = round(time.perf_counter() - start, 2)
        return value

    analysis_dir, staffing_dir, plan_dir = out / "analysis", out / "staffing", out / "plan"
    summary = timed("classify and analyze", lambda: run_analysis(
        calls, analysis_dir, profile, boundaries=dict(boundaries or {}) or None, indicators=indicators,
        sample_fraction=sample_fraction, allow_unreviewed=allow_unreviewed))
    landscape = LandscapeFacts.from_summary(summary, file=str(analysis_dir))
    staffing = timed("staffing and budget", lambda: run_staffing(
        analysis_dir / "classified.parquet", staffing_dir, profile, landscape,
        target_reach=reach, target_minutes=minutes))
    headline = (Headline(figures=staffing["headline"], call_sets=staffing["headline_call_sets"])
                if "headline" in staffing else landscape.headline)  # no eligible calls: nothing staffed
    def partners(recommended: list[str]) -> dict[str, Any]:
        from altresponse.pipeline.partners import run_partners

        run = run_partners(profile, analysis_dir / "classified.parquet", out,
                           recommended_types=list(cfg.pilot_types) + recommended)
        land = run.landscape.to_dict(float(profile.section("partners").get("suppress_below", 10))) \
            if run.landscape is not None else None
        return {"landscape": land, "missing": run.missing, "ingested": run.ingested}

    plan = timed("implementation plan", lambda: build_plan(
        profile, analysis_dir, staffing_dir, plan_dir, landscape=landscape, headline=headline,
        partners=partners))
    final = Headline(figures=plan["headline"], call_sets=plan.get("headline_call_sets") or {})
    summary["partners"] = plan.get("partners")  # the landscape page shows the partners beside 911
    timed("pages with every headline figure", lambda: _rerender(summary, staffing, final, boundaries,
                                                                analysis_dir, staffing_dir))
    return PipelineResult(analysis=summary, landscape=landscape, staffing=staffing, plan=plan,
                          headline=final, timings_s=timings,
                          folders={"analysis": analysis_dir, "staffing": staffing_dir, "plan": plan_dir})


def _rerender(summary: dict[str, Any], staffing: dict[str, Any], headline: Headline,
              boundaries: Mapping[str, Path] | None, analysis_dir: Path, staffing_dir: Path) -> None:
    """The landscape and staffing pages again, now with the final headline (the same figures as the plan)."""
    from altresponse.fsio import write_text_atomic
    from altresponse.pipeline.analyze import load_layers
    from altresponse.report.landscape import render_landscape
    from altresponse.report.staffing import render_staffing

    layers = load_layers(dict(boundaries or {}) or None)
    write_text_atomic(analysis_dir / "report.html", render_landscape(summary, layers, headline))
    if staffing.get("plans"):  # a run with nothing to staff keeps its short page
        write_text_atomic(staffing_dir / "staffing.html", render_staffing(staffing, headline))
