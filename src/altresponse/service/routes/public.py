"""The public dashboard (no sign-in) and the analyst's monitoring screen.

The dashboard shows only suppressed aggregate tables, by quarter and area, and offers the same tables
as CSV. The analyst screen shows the period's measures against the plan, the gates, the tracker,
equity and the evaluation, filterable by period, area and pathway; a provider is refused.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from altresponse.monitor.periods import quarter_of
from altresponse.ops import monitor_store as ms
from altresponse.schema import PATHWAYS
from altresponse.service import monitor_render as mr
from altresponse.service.deps import COOKIE, CSRF_HEADER, EngineDep, SettingsDep, StoreDep, actor_from_token
from altresponse.service.monitoring import evaluate_store, period_view, public_tables
from altresponse.service.routes.monitor import get_setup

templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
router = APIRouter(include_in_schema=False)
PeriodQ = Annotated[str | None, Query(max_length=10, pattern=r"^\d{4}(Q[1-4]|-\d{2})?$")]


@router.get("/public", response_class=HTMLResponse)
def dashboard(request: Request, store: StoreDep) -> Response:
    """Aggregate measures by quarter and area for anyone; no sign-in, no cell under 10."""
    tables = public_tables(store)
    return templates.TemplateResponse(
        request,
        "public_dashboard.html",
        {
            "user": None,
            "body": mr.public_section(tables),
            "generated": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        },
    )


@router.get("/public/tables.csv")
def download(store: StoreDep) -> Response:
    """The dashboard's tables in long form (table, row, quarter, count; blank = suppressed)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["table", "row", "quarter", "count", "suppressed"])
    for name, t in public_tables(store).items():
        for r in t.to_records("row", "quarter"):
            w.writerow(
                [
                    name,
                    r["row"],
                    r["quarter"],
                    "" if r["count"] is None else r["count"],
                    int(bool(r["suppressed"])),
                ]
            )
    return Response(
        buf.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="altresponse-public-tables.csv"'},
    )


@router.get("/ui/analyst", response_class=HTMLResponse)
def analyst_screen(
    request: Request,
    settings: SettingsDep,
    store: StoreDep,
    engine: EngineDep,
    period: PeriodQ = None,
    area: Annotated[str | None, Query(max_length=120)] = None,
    pathway: Annotated[str | None, Query(max_length=40)] = None,
) -> Response:
    token = request.cookies.get(COOKIE)
    actor = actor_from_token(request, token) if token else None
    if actor is None:
        return RedirectResponse("/ui/login", status_code=303)
    if actor.role not in ("analyst", "admin"):
        return HTMLResponse(
            "<!doctype html><title>Not allowed</title><p>The analyst screen is for analysts.</p>",
            status_code=403,
        )
    _, last = ms.decision_span(store)
    period = period or quarter_of(last or datetime.now(UTC))
    view = period_view(store, period, get_setup(request), area=area or None, pathway=pathway or None)
    setup = get_setup(request)
    sections: list[tuple[str, str]] = [
        ("Headline measures against targets", mr.kpis(view.measures) + mr.headline_table(view)),
        ("Phase gates", mr.gates_section(view)),
        ("Implementation tracker", mr.tracker_section(view.tracker)),
        ("Pathways, declines and unserved calls", mr.breakdowns(view.measures)),
        ("Equity", mr.equity_section(view.measures)),
        ("Evaluation", mr.evaluation_section(evaluate_store(store, setup.go_live))),
    ]
    ctx: dict[str, Any] = {
        "user": actor.username,
        "role": actor.role,
        "organization": None,
        "csrf_header": CSRF_HEADER,
        "protocol_version": engine.protocol.version,
        "period": view.period.label,
        "area": area or "",
        "pathway": pathway or "",
        "areas": ms.areas_seen(store),
        "pathways": list(PATHWAYS),
        "sections": sections,
        "tracker_items": [m.id for m in ms.list_tracker(store)],
    }
    return templates.TemplateResponse(request, "analyst.html", ctx)
