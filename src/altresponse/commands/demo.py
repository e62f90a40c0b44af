"""`altresponse demo`: the whole pipeline on the embedded default (synthetic Baltimore calls).

synth -> ingest -> classify and analyze -> staff -> plan, then an index page that links every
output. Runs offline: the synthetic generator needs no reference data, and the analysis uses
Baltimore's real boundaries and indicators only when ALTRESPONSE_SHARED points at them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

from altresponse.fsio import write_json_atomic, write_text_atomic
from altresponse.jsonout import emit_json
from altresponse.profile import Profile, load_profile
from altresponse.report.index import render_index
from altresponse.shared import shared_path

_console = Console(stderr=True)


INDEX_LINKS = (
    ("plan_html", "Implementation plan (HTML)"),
    ("plan_pdf", "Implementation plan (PDF)"),
    ("analysis_report", "Landscape analysis: which calls could go to whom"),
    ("staffing_report", "Capacity, staffing and budget"),
    ("monitor_html", "Quarterly progress report of a simulated first year (HTML)"),
    ("monitor_pdf", "Quarterly progress report of a simulated first year (PDF)"),
    ("public_html", "Public dashboard of the simulated year (small cells suppressed)"),
)


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
    from altresponse.service.monitor_report import run_demo_operation

    operation = stage("simulated first year of phase 1, monitoring and the quarterly report",
                      lambda: run_demo_operation(out / "operation", result.plan, seed=seed,
                                                 profile=str(profile.path or profile.city)))
    outputs = {
        "monitor_html": operation["report"]["html"],
        "monitor_pdf": operation["report"]["pdf"],
        "public_html": operation["public"]["html"],
        "analysis_report": str(analysis_dir / "report.html"),
        "staffing_report": str(staffing_dir / "staffing.html"),
        "plan_html": str(plan_dir / "plan.html"),
        "plan_pdf": str(plan_dir / "plan.pdf"),
        "calls": str(calls),
        "rejects": str(out / "rejects.csv"),
    }
    index = out / "index.html"
    links = [(str(Path(outputs[k]).relative_to(out)), label) for k, label in INDEX_LINKS]
    notice = (f"Every call in this demo is synthetic ({rows:,} rows, seed {seed}), generated to resemble "
              "Baltimore's published 911 data. No figure here describes real people or real calls.")
    write_text_atomic(index, render_index(result.headline, links, stages["ingest"], timings,
                                          plan=stages["plan"], notice=notice,
                                          title="altresponse demo: synthetic Baltimore"))
    summary = {"headline": result.headline.as_json(), "index": str(index), "outputs": outputs,
               "timings_s": timings, "ingest": stages["ingest"]}
    write_json_atomic(out / "demo.json", summary)
    return summary


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
