"""The public dashboard and the analyst screen in real headless Chromium, on SQLite and PostgreSQL.

The store is filled by a short simulated operation through the service's own code path.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI

from altresponse.monitor.suppression import THRESHOLD
from altresponse.service.operate import PhaseScope, area_letter, simulate_operation, synthetic_calls
from tests.service.conftest import AUDIT_KEY
from tests.service.test_pages import CHROMIUM, CHROMIUM_ARGS, assert_rendered, live_server, sign_in

__all__ = ["live_server"]
pytestmark = [pytest.mark.browser, pytest.mark.slow]
AREAS = [f"Area {area_letter(i)}" for i in range(6)]


@pytest.fixture
def operated(app: FastAPI, db_url: str) -> FastAPI:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    calls = synthetic_calls(AREAS, start, 150, 2.5, seed=5)
    simulate_operation(
        db_url, calls=calls, scope=PhaseScope(frozenset(AREAS[:3]), datetime(2027, 1, 1, tzinfo=UTC)), seed=6,
        profile="baltimore", audit_key=AUDIT_KEY,
    )
    return app


def _browser():  # type: ignore[no-untyped-def]
    pytest.importorskip("playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    return sync_playwright()


def test_public_dashboard_needs_no_login_and_shows_no_small_cell(
    operated: FastAPI, live_server: str, tmp_path: Path
) -> None:
    with _browser() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            response = page.goto(f"{live_server}/public")
            assert response is not None and response.status == 200
            assert page.url.endswith("/public")  # no redirect to a sign-in page
            counts = [
                int(v)
                for v in page.locator("td[data-count]").evaluate_all("els => els.map(e => e.dataset.count)")
            ]
            assert counts, "the dashboard shows no counts"
            assert all(v == 0 or v >= THRESHOLD for v in counts), sorted(counts)[:5]
            assert page.locator("td[data-suppressed]").count() > 0
            assert page.locator("table.public").count() == 3
            assert page.locator("figure.chart svg").count() >= 1
            with page.expect_download() as info:
                page.click("#download")
            text = Path(info.value.path()).read_text(encoding="utf-8")
            assert text.startswith("table,row,quarter,count,suppressed")
            png = page.screenshot(full_page=True)
            (tmp_path / "public.png").write_bytes(png)
            assert_rendered(png)
        finally:
            browser.close()


def test_analyst_screen_filters_and_edits_and_refuses_a_provider(
    operated: FastAPI, live_server: str, tmp_path: Path
) -> None:
    from altresponse.monitor.tracker import Milestone
    from altresponse.ops import monitor_store as ms
    from altresponse.ops.repository import SYSTEM

    store = operated.state.store
    d0 = datetime(2026, 9, 1, tzinfo=UTC).date()
    ms.import_tracker(
        store, SYSTEM, [Milestone("cad", "CAD configuration", "Dispatch", d0, d0.replace(month=11))]
    )
    with _browser() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1000})
            sign_in(page, live_server, "ana")
            page.wait_for_url("**/ui/analyst")
            assert "Headline measures against targets" in page.content()
            page.fill("#period", "2027Q1")
            page.select_option("#area", "Area A")
            page.click("#apply")
            page.wait_for_url("**area=Area+A**")
            heading = page.locator("h1").inner_text()
            assert "2027Q1" in heading and "Area A" in heading
            assert page.locator("table.data").count() >= 4
            png = page.screenshot(full_page=True)
            (tmp_path / "analyst.png").write_bytes(png)
            assert_rendered(png)
            page.select_option("#item", "cad")
            page.select_option("#status", "done")
            page.fill("#actual", "2026-11-20")
            page.click("#save-item")
            page.wait_for_selector("#saved:has-text('Saved')")
            assert {m.id: m.status for m in ms.list_tracker(store)}["cad"] == "done"
            page.click("text=Sign out")
            sign_in(page, live_server, "prov")
            page.wait_for_url("**/ui/provider")
            response = page.goto(f"{live_server}/ui/analyst")
            assert response is not None and response.status == 403
            assert "Headline measures" not in page.content()
        finally:
            browser.close()
