"""A simulated year of phase 1 through the service code path; monitoring and evaluation on top of it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from altresponse.monitor.facts import is_alternative
from altresponse.ops import monitor_store as ms
from altresponse.ops import open_store, verify_audit
from altresponse.service.monitoring import evaluate_store, panel_from_facts, period_view
from altresponse.service.operate import PhaseScope, area_letter, simulate_operation, synthetic_calls
from tests.service.conftest import AUDIT_KEY

pytestmark = pytest.mark.slow
AREAS = [f"Area {area_letter(i)}" for i in range(8)]
GO_LIVE = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="module")
def operated(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('op') / 'operation.db'}"
    calls = synthetic_calls(AREAS, datetime(2026, 10, 1, tzinfo=UTC), 456, 2.0, seed=3)
    summary = simulate_operation(url, calls=calls, scope=PhaseScope(frozenset(AREAS[:4]), GO_LIVE), seed=4,
                                 profile="baltimore", audit_key=AUDIT_KEY)
    assert summary.simulated and summary.calls == len(calls)
    assert summary.served_areas == AREAS[:4]
    return url


def test_operation_is_recorded_through_the_store(operated: str) -> None:
    store = open_store(operated)
    try:
        facts = ms.load_facts(store)
        with store.read() as s:
            assert verify_audit(s, AUDIT_KEY).ok
    finally:
        store.dispose()
    assert all(f.recorded for f in facts)
    served = [f for f in facts if f.diverted]
    assert served and all(f.area in AREAS[:4] or f.decided_pathway != "community_responder" for f in served)
    # community responder calls outside the served areas or hours fell back and are never diverted
    for f in facts:
        if f.decided_pathway == "community_responder" and (f.area not in AREAS[:4] or f.decided_at < GO_LIVE):
            assert not f.diverted and f.unserved_reason in ("outside_area", "no_provider", "off_duty", "busy")
        if f.diverted:
            assert is_alternative(f.actual_pathway) and f.backup == "none"
    reasons = {f.unserved_reason for f in facts if f.unserved_reason}
    assert {"outside_area", "off_duty", "busy", "no_provider"} <= reasons
    assert any(f.declines for f in facts)


def test_evaluation_finds_the_effect_in_served_areas_and_none_in_a_placebo(operated: str) -> None:
    store = open_store(operated)
    try:
        est = evaluate_store(store, {a: GO_LIVE for a in AREAS[:4]})
        facts = ms.load_facts(store)
        view = period_view(store, "2027Q2")
    finally:
        store.dispose()
    assert est is not None and est.estimate < 0 and est.high < 0 and est.significant
    # placebo: pretend two comparison areas went live; leave the really served areas out
    from altresponse.monitor.evaluation import estimate_effect

    comparison = [f for f in facts if f.area not in AREAS[:4]]
    placebo = estimate_effect(panel_from_facts(comparison, {a: GO_LIVE for a in AREAS[4:6]}))
    assert placebo.low < 0 < placebo.high and not placebo.significant
    assert view.measures.headline["diverted_calls"].n > 0
    assert view.previous is not None and view.previous.period == "2027Q1"


def test_cli_report_writes_html_and_pdf(operated: str, tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from altresponse.cli import app

    op = tmp_path / "operation.json"
    op.write_text(json.dumps({"simulated": True, "go_live": GO_LIVE.isoformat(), "served_areas": AREAS[:4]}))
    r = CliRunner().invoke(
        app,
        [
            "monitor",
            "report",
            "--db",
            operated,
            "--period",
            "2027Q1",
            "--out",
            str(tmp_path),
            "--operation",
            str(op),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    result = json.loads(r.output.strip().splitlines()[-1])
    html = Path(result["outputs"]["html"]).read_text(encoding="utf-8")
    assert "Simulated operation" in html and "Difference-in-differences" in html
    assert Path(result["outputs"]["pdf"]).read_bytes()[:4] == b"%PDF"
    bad = CliRunner().invoke(
        app, ["monitor", "report", "--db", operated, "--period", "2027Q9", "--out", str(tmp_path)]
    )
    assert bad.exit_code != 0
