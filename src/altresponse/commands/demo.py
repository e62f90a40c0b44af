"""`altresponse demo`: the whole pipeline on the embedded default (synthetic Baltimore calls).

synth -> ingest -> classify and analyze -> staff -> plan, then an index page that links every
output. Runs offline: the synthetic generator needs no reference data, and the analysis uses
Baltimore's real boundaries and indicators only when ALTRESPONSE_SHARED points at them.
"""

from __future__ import annotations

import html
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from altresponse.fsio import write_json_atomic, write_text_atomic
from altresponse.jsonout import emit_json
from altresponse.profile import Profile, load_profile
from altresponse.shared import shared_path

_console = Console(stderr=True)


def _shared_or_none(relative: str | None) -> Path | None:
    if not relative:
        return None
    return shared_path(*Path(relative).parts, required=False)


def run_demo(out: Path, *, rows: int, seed: int, profile: Profile) -> dict[str, Any]:
    """Run every stage into `out` and return a summary of what was written where."""
    from altresponse.pipeline import run_pipeline
    from altresponse.sources import ingest
    from altresponse.synth.baltimore import write_csv

    out.mkdir(parents=True, exist_ok=True)
    stages: dict[str, Any] = {}
    timings: dict[str, float] = {}

    def stage(name: str, fn: Callable[[], Any]) -> Any:
        _console.print(f"[bold]{name}[/] ...")
        start = time.perf_counter()
        result = fn()
        timings[name] = round(time.perf_counter() - start, 2)
        _console.print(f"  done in {timings[name]:.1f} s")
        return result

    names_file = _shared_or_none(profile.boundaries.get("neighborhoods"))
    csv_path = out / "synthetic_baltimore_calls.csv"
    stages["synth"] = stage(
        "synthetic calls",
        lambda: write_csv(csv_path, rows=rows, seed=seed, names=names_file),
    )
    calls = out / "calls.parquet"
    ingest_summary = stage(
        "ingest",
        lambda: ingest([csv_path], "baltimore", calls, profile=profile, rejects=out / "rejects.csv"),
    )
    stages["ingest"] = ingest_summary.as_dict()
    boundaries = {k: p for k, v in profile.boundaries.items() if (p := _shared_or_none(v)) is not None}
    indicators = _shared_or_none(profile.sources.get("indicators"))
    result = run_pipeline(
        calls, out, profile, boundaries=boundaries, indicators=indicators,
        step=lambda name: _console.print(f"[bold]{name}[/] ..."),
    )
    timings.update(result.timings_s)
    stages["plan"] = result.plan
    analysis_dir, staffing_dir, plan_dir = (result.folders[k] for k in ("analysis", "staffing", "plan"))
    outputs = {
        "analysis_report": str(analysis_dir / "report.html"),
        "staffing_report": str(staffing_dir / "staffing.html"),
        "plan_html": str(plan_dir / "plan.html"),
        "plan_pdf": str(plan_dir / "plan.pdf"),
        "calls": str(calls),
        "rejects": str(out / "rejects.csv"),
    }
    index = out / "index.html"
    headline = _plan_headline(stages["plan"])
    write_text_atomic(index, _index_page(outputs, stages["ingest"], timings, headline, rows=rows, seed=seed))
    summary = {"headline": result.headline.as_json(), "index": str(index), "outputs": outputs,
               "timings_s": timings, "ingest": stages["ingest"]}
    write_json_atomic(out / "demo.json", summary)
    return summary


def _plan_headline(plan: Any) -> str:
    """The plan's own recommendation and phase budgets, quoted from its output (no new figures)."""
    if not isinstance(plan, dict):
        return ""
    types = ", ".join(html.escape(str(t)) for t in plan.get("recommended", []))
    rows = []
    for phase in plan.get("phases", []):
        cost = (phase.get("budget") or {}).get("annual_operating_cost") or {}
        if not cost:
            continue
        rows.append(
            f"<tr><td>{html.escape(str(phase.get('name', '')))}</td>"
            f"<td>{phase.get('calls_per_year', 0):,.0f}</td>"
            f"<td>${cost['p5'] / 1e6:,.1f}M–${cost['p95'] / 1e6:,.1f}M</td></tr>"
        )
    header = "<tr><th>phase</th><th>calls a year</th><th>operating cost a year (p5–p95)</th></tr>"
    table = f"<table>{header}{''.join(rows)}</table>" if rows else ""
    return f"<h2>Headline</h2><p>Call types recommended beyond the running pilot: {types}.</p>{table}"


def _index_page(
    outputs: dict[str, str],
    ingest_summary: dict[str, Any],
    timings: dict[str, float],
    headline: str,
    *,
    rows: int,
    seed: int,
) -> str:
    def link(key: str, label: str) -> str:
        rel = Path(outputs[key]).relative_to(Path(outputs["calls"]).parent)
        return f'<li><a href="{html.escape(str(rel))}">{html.escape(label)}</a></li>'

    counts = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{ingest_summary.get(k, '')}</td></tr>"
        for k in ("rows_in", "rows_out", "rows_rejected", "duplicates_dropped")
    )
    times = "".join(f"<tr><th>{html.escape(k)}</th><td>{v:.1f} s</td></tr>" for k, v in timings.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>altresponse demo</title>
<style>body{{font-family:system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}}
table{{border-collapse:collapse}}th,td{{padding:.2rem .8rem;border-bottom:1px solid #ddd;text-align:left}}
.note{{background:#fff4e5;border-left:4px solid #e8a33d;padding:.5rem 1rem}}</style></head>
<body><h1>altresponse demo: synthetic Baltimore</h1>
<p class="note">Every call in this demo is synthetic ({rows:,} rows, seed {seed}), generated to resemble
Baltimore's published 911 data. No figure here describes real people or real calls.</p>
{headline}
<h2>Outputs</h2><ul>
{link("plan_html", "Implementation plan (HTML)")}
{link("plan_pdf", "Implementation plan (PDF)")}
{link("analysis_report", "Landscape analysis: which calls could go to whom")}
{link("staffing_report", "Capacity, staffing and budget")}
</ul>
<h2>Ingest</h2><table>{counts}</table>
<h2>Run time</h2><table>{times}</table>
</body></html>
"""


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        out: Path = typer.Option(Path("demo-output"), "--out", help="Folder for every output."),
        rows: int = typer.Option(
            1_600_000, "--rows", min=1000, help="Synthetic calls to generate (about one Baltimore year)."
        ),
        seed: int = typer.Option(20240101, "--seed", help="Random seed (same seed, same files)."),
        profile: str = typer.Option("baltimore", "--profile", help="City profile name or YAML path."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary as the last line."),
    ) -> None:
        """Run the whole pipeline on synthetic Baltimore calls and print where the report is."""
        summary = run_demo(out, rows=rows, seed=seed, profile=load_profile(profile))
        if json_out:
            emit_json(summary)
        else:
            typer.echo(f"Report: {summary['index']}")
            typer.echo(f"Plan:   {summary['outputs']['plan_html']}")
