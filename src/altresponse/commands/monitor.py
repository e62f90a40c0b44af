"""`altresponse monitor ...`: measures, the quarterly report, the tracker and simulated operation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import typer

from altresponse.errors import BadInput
from altresponse.jsonout import emit_json
from altresponse.settings import get_settings

JSON_HELP = "Print a JSON summary as the last line."
DB_HELP = "Database URL (sqlite:///FILE or postgresql://...); default ALTRESPONSE_DB_URL."
PLAN_HELP = "plan.json written by `altresponse plan` (targets, gates, timeline)."


def _plan(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BadInput(f"cannot read the plan: {exc}", file=str(path)) from exc
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=str(path)
        ) from exc
    if not isinstance(data, dict):
        raise BadInput("expected a JSON object (plan.json)", file=str(path))
    return data


def _day(text: str | None, what: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise BadInput(f"{what}: {text!r} is not a date (expected YYYY-MM-DD)") from exc


def _go_live(
    plan: dict[str, Any] | None, go_live: str | None, served: list[str] | None, operation: Path | None
) -> dict[str, datetime]:
    """Areas served and their go-live time, from an operation summary or the options."""
    if operation is not None:
        try:
            op = json.loads(operation.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise BadInput(f"cannot read the operation summary: {exc}", file=str(operation)) from exc
        t = datetime.fromisoformat(op["go_live"])
        return {a: t for a in op.get("served_areas", [])}
    d = _day(go_live, "--go-live")
    if d is None:
        return {}
    areas = served or ((plan or {}).get("phases") or [{}])[0].get("areas") or []
    if not areas:
        raise BadInput(
            "--go-live needs the served areas: --served-area (repeat) or a plan whose phase 1 names them"
        )
    t = datetime(d.year, d.month, d.day, tzinfo=UTC)
    return {a: t for a in areas}


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        help="Monitoring: measures against the plan, gates, tracker, evaluation, reports.",
        no_args_is_help=True,
    )

    @group.command("measures")
    def measures_cmd(
        period: str = typer.Option(..., "--period", help="2027Q1, 2027-03 or 2027."),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        area: str = typer.Option(None, "--area"),
        pathway: str = typer.Option(None, "--pathway"),
        plan: Path = typer.Option(None, "--plan", help=PLAN_HELP),
        phase: int = typer.Option(1, "--phase", min=1),
        json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
    ) -> None:
        """Print one period's measures (and, with a plan, targets and gate verdicts)."""
        from altresponse.monitor.targets import PlanTargets
        from altresponse.ops import open_store
        from altresponse.service.monitor_render import LABELS, fmt_est
        from altresponse.service.monitoring import MonitorSetup, period_view

        p = _plan(plan)
        store = open_store(db or get_settings().db_url, run_migrations=False)
        try:
            view = period_view(
                store,
                period,
                MonitorSetup(PlanTargets.from_plan_json(p) if p else None, phase),
                area=area,
                pathway=pathway,
            )
        finally:
            store.dispose()
        for k, est in view.measures.headline.items():
            value, interval = fmt_est(k, est)
            typer.echo(f"{LABELS.get(k, k):<55} {value:>10} {interval:>18}  n={est.n}")
        for g in view.gates:
            typer.echo(f"phase {g.phase} {g.kind} gate: {g.verdict}")
        if json_out:
            emit_json(view.to_dict())

    @group.command("report")
    def report_cmd(
        period: str = typer.Option(..., "--period", help="2027Q1, 2027-03 or 2027."),
        out: Path = typer.Option(Path("."), "--out", help="Folder for monitor-<period>.html/.pdf/.json."),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        plan: Path = typer.Option(None, "--plan", help=PLAN_HELP),
        phase: int = typer.Option(1, "--phase", min=1),
        go_live: str = typer.Option(None, "--go-live", help="Phase go-live day YYYY-MM-DD (evaluation)."),
        served_area: list[str] = typer.Option(None, "--served-area", help="A served area (repeat)."),
        operation: Path = typer.Option(None, "--operation", help="operation.json from `monitor simulate`."),
        pdf: bool = typer.Option(True, "--pdf/--no-pdf"),
        indicators: Path = typer.Option(
            None, "--indicators", help="Area indicators CSV (equity by income, race)."
        ),
        profile: str = typer.Option(None, "--profile", help="City profile (indicator column names)."),
        calls: Path = typer.Option(None, "--calls", help="calls.parquet from `altresponse ingest` (CAD)."),
        calls_area: str = typer.Option("neighborhood", "--calls-area", help="Area column of the calls."),
        boundaries: Path = typer.Option(None, "--boundaries", help="Areas GeoJSON, for the map of reach."),
        name_field: str = typer.Option("name", "--name-field", help="GeoJSON property naming each area."),
        json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
    ) -> None:
        """Write the quarterly progress report (HTML and PDF) for a period."""
        from altresponse.geo.boundaries import load_boundaries
        from altresponse.service.monitor_report import write_report
        from altresponse.service.monitoring import cad_calls_from_parquet

        p = _plan(plan)
        rows = None
        if indicators is not None:
            from altresponse.analysis.config import AnalysisConfig
            from altresponse.pipeline.analyze import read_indicators
            from altresponse.profile import require_profile

            cfg = AnalysisConfig.from_profile(require_profile(profile))
            rows = read_indicators(indicators, cfg.indicator_columns(str(indicators)))
        simulated = False
        if operation is not None:
            simulated = bool(json.loads(operation.read_text(encoding="utf-8")).get("simulated", False))
        result = write_report(
            db or get_settings().db_url,
            period,
            out,
            plan=p,
            phase=phase,
            go_live=_go_live(p, go_live, served_area, operation),
            simulated=simulated,
            pdf=pdf,
            indicators=rows,
            calls=cad_calls_from_parquet(calls, calls_area) if calls is not None else None,
            boundaries=load_boundaries(boundaries, name_field=name_field) if boundaries is not None else None,
        )
        typer.echo(f"report written to {result['outputs']['html']}")
        if json_out:
            emit_json(result)

    @group.command("tracker")
    def tracker_cmd(
        db: str = typer.Option(None, "--db", help=DB_HELP),
        plan: Path = typer.Option(None, "--plan", help=PLAN_HELP + " Imports its timeline."),
        start: str = typer.Option(None, "--start", help="Program start day YYYY-MM-DD (with --plan)."),
        as_of: str = typer.Option(None, "--as-of", help="Forecast as of YYYY-MM-DD (default today)."),
        json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
    ) -> None:
        """Import the plan's timeline into the tracker (once), then show slip on the critical path."""
        from altresponse.monitor.tracker import milestones_from_plan_json, track
        from altresponse.ops import monitor_store as ms
        from altresponse.ops import open_store
        from altresponse.ops.repository import SYSTEM

        store = open_store(db or get_settings().db_url, run_migrations=False)
        try:
            p = _plan(plan)
            if p is not None:
                first = _day(start, "--start")
                if first is None:
                    raise BadInput("--plan needs --start (the program's first day)")
                added = ms.import_tracker(store, SYSTEM, milestones_from_plan_json(p, first))
                typer.echo(f"{added} tracker items added")
            items = ms.list_tracker(store)
        finally:
            store.dispose()
        if not items:
            raise BadInput("the tracker is empty: import a plan with --plan plan.json --start YYYY-MM-DD")
        status = track(items, _day(as_of, "--as-of") or datetime.now(UTC).date())
        for t in sorted(status.items, key=lambda t: t.forecast_start):
            flag = "critical" if t.critical else ""
            typer.echo(
                f"{t.item.id:<14} {t.item.status:<12} due {t.item.due} forecast {t.forecast_finish} "
                f"slip {t.slip_days:+4d}d {flag}"
            )
        typer.echo(
            f"critical path slip: {status.critical_path_slip_days:+d} days; "
            f"forecast finish {status.forecast_finish}"
        )
        if json_out:
            emit_json(status.to_dict())

    @group.command("simulate")
    def simulate_cmd(
        out: Path = typer.Option(..., "--out", help="Folder for operation.db and operation.json."),
        plan: Path = typer.Option(None, "--plan", help=PLAN_HELP),
        go_live: str = typer.Option("2027-01-01", "--go-live", help="Phase 1 go-live YYYY-MM-DD."),
        months: int = typer.Option(12, "--months", min=1, max=36, help="Months of operation."),
        pre_months: int = typer.Option(
            3, "--pre-months", min=1, max=24, help="Months of shadow-mode triage before go-live."
        ),
        calls_per_day: float = typer.Option(6.0, "--calls-per-day", min=0.1, max=500),
        areas: int = typer.Option(12, "--areas", min=3, max=300),
        seed: int = typer.Option(20270, "--seed"),
        db: str = typer.Option(None, "--db", help="Store URL (default OUT/operation.db)."),
        profile: str = typer.Option(None, "--profile", envvar="ALTRESPONSE_PROFILE",
                                    help="City profile whose protocol and directory route the calls."),
        json_out: bool = typer.Option(False, "--json", help=JSON_HELP),
    ) -> None:
        """Simulate a year of phase 1 through the real service code path (labelled simulated)."""
        from altresponse.fsio import write_json_atomic
        from altresponse.service.operate import (
            PhaseScope,
            area_letter,
            default_store_path,
            phase1_scope_from_plan,
            simulate_operation,
            synthetic_calls,
        )

        p = _plan(plan)
        d = _day(go_live, "--go-live")
        assert d is not None
        t = datetime(d.year, d.month, d.day, tzinfo=UTC)
        names = [f"Area {area_letter(i)}" for i in range(areas)]
        if p is not None:
            scope = phase1_scope_from_plan(p, t, names[: max(1, areas * 2 // 5)])
            names = sorted(set(names) | set(scope.areas))
        else:
            scope = PhaseScope(frozenset(names[: max(1, areas * 2 // 5)]), t)
        out.mkdir(parents=True, exist_ok=True)
        start = datetime(t.year, t.month, 1, tzinfo=UTC)
        from datetime import timedelta

        start = start - timedelta(days=round(pre_months * 30.4375))
        days = round((pre_months + months) * 30.4375)
        calls = synthetic_calls(names, start, days, calls_per_day, seed)
        url = db or default_store_path(out)
        from altresponse.profile import require_profile
        from altresponse.settings import Settings, resolve_keys

        prof = require_profile(profile)
        keys = resolve_keys(Settings())  # the store's audit key, from the environment (or --dev's)
        summary = simulate_operation(url, calls=calls, scope=scope, seed=seed, plan=p,
                                     profile=str(prof.path or prof.city), audit_key=keys.audit_key)
        write_json_atomic(out / "operation.json", summary.to_dict())
        typer.echo(f"simulated {summary.calls} calls into {url}; summary in {out / 'operation.json'}")
        if json_out:
            emit_json(summary.to_dict())

    app.add_typer(group, name="monitor")
