"""The call-taker and provider screens in real headless Chromium, from question one to a closed referral."""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from altresponse.ops import repository as repo
from tests.service.conftest import password

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a loopback port in a background thread."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.05)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


def assert_rendered(png: bytes, *, min_colors: int = 8) -> None:
    """A screenshot that is not blank: real size and more than a handful of colours."""
    from PIL import Image

    img = Image.open(io.BytesIO(png)).convert("RGB")
    assert img.width >= 800 and img.height >= 400
    colors = img.getcolors(maxcolors=1_000_000) or []
    assert len(colors) >= min_colors, f"screenshot looks blank ({len(colors)} colours)"


def sign_in(page: object, base: str, username: str) -> None:
    page.goto(f"{base}/ui/login")  # type: ignore[attr-defined]
    page.fill("#username", username)  # type: ignore[attr-defined]
    page.fill("#password", password(username))  # type: ignore[attr-defined]
    page.click("#signin")  # type: ignore[attr-defined]


def test_call_from_first_question_to_referral_and_outcome(app: FastAPI, live_server: str,
                                                          tmp_path: Path) -> None:
    pytest.importorskip("playwright")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (apt-get install -y chromium)")
    from playwright.sync_api import expect, sync_playwright

    store = app.state.store
    engine = app.state.engine
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            sign_in(page, live_server, "ct")
            page.wait_for_url("**/ui/call-taker")
            page.fill("#call_ref", "UI-26112500077")
            page.select_option("#common_type", "behavioral_crisis")
            page.fill("#area", "Midtown")
            page.focus("#call_ref")
            page.keyboard.press("Enter")
            questions = engine.questions()
            for i, q in enumerate(questions):
                expect(page.locator("#q-ask")).to_have_text(q["ask"])
                expect(page.locator("#q-count")).to_have_text(f"Question {i + 1} of {len(questions)}")
                key = "p" if "public_space" in q["values"] else "n"
                page.keyboard.press(key)
                expect(page.locator("#q-choices .choice.selected")).to_have_count(1)
                page.keyboard.press("Enter")
            expect(page.locator("#step-decision")).to_be_visible()
            expect(page.locator("#d-pathway")).to_have_text("behavioral health team")
            assert page.locator("#d-reasons li").count() >= 1
            expect(page.locator("#d-version")).to_have_text(engine.protocol.version)
            provider = page.locator("#d-providers .provider.selected")
            expect(provider).to_have_count(1)
            service_id = provider.get_attribute("data-service-id")
            assert service_id
            page.keyboard.press("Enter")
            expect(page.locator("#referral-result")).to_contain_text("Referral #")
            assert_rendered(page.screenshot(path=str(tmp_path / "call-taker.png"), full_page=True))

            refs = repo.list_referrals(store, repo.Actor(None, "t", "call_taker"))
            assert len(refs) == 1 and refs[0].service_id == service_id
            ref = refs[0]
            decision = repo.get_decision(store, ref.decision_id)
            assert decision.call_ref == "UI-26112500077" and decision.pathway == "behavioral_health_team"
            assert decision.area == "Midtown"

            # The provider organization records what happened.
            org = engine.organization_of(service_id)
            assert org == ref.organization_id
            repo.create_user(store, "crisis", password("crisis"), "provider", org)
            ctx = browser.new_context(viewport={"width": 1100, "height": 700})
            ppage = ctx.new_page()
            sign_in(ppage, live_server, "crisis")
            ppage.wait_for_url("**/ui/provider")
            row = ppage.locator(f"tr[data-referral-id='{ref.id}']")
            expect(row).to_contain_text("created")
            expect(row).to_contain_text("behavioral crisis")
            expect(ppage.locator("h1")).to_contain_text("Baltimore Crisis Response")
            steps = [("accept", "accepted"), ("en-route", "en route"), ("on-scene", "on scene")]
            for action, status in steps:
                row.locator(f"button[data-action='{action}']").click()
                expect(row.locator("td").nth(1)).to_have_text(status)
            row.locator("select.outcome").select_option("linked_to_services")
            row.locator("button[data-action='outcome']").click()
            expect(row.locator("td").nth(1)).to_have_text("closed · linked to services")
            assert_rendered(ppage.screenshot(path=str(tmp_path / "provider.png"), full_page=True))
            ctx.close()
        finally:
            browser.close()

    done = repo.get_referral(store, repo.Actor(None, "t", "call_taker"), ref.id)
    assert done.status == "closed" and done.outcome == "linked_to_services"
    assert done.accepted_at and done.en_route_at and done.on_scene_at and done.closed_at


def test_pages_need_the_right_role(client: object) -> None:
    r = client.get("/ui/call-taker", follow_redirects=False)  # type: ignore[attr-defined]
    assert r.status_code == 303 and r.headers["location"] == "/ui/login"
    r = client.post("/ui/login", data={"username": "ana", "password": password("ana")},  # type: ignore[attr-defined]
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/analyst"  # the monitoring screen
    client.cookies.clear()  # type: ignore[attr-defined]
    r = client.post("/ui/login", data={"username": "prov", "password": password("prov")},  # type: ignore[attr-defined]
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/ui/provider"
    assert client.get("/ui/call-taker", follow_redirects=False).status_code == 303  # type: ignore[attr-defined]
    page = client.get("/ui/provider")  # type: ignore[attr-defined]
    assert page.status_code == 200 and "<script" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # self-contained: no CDN
    # A cookie session cannot change anything without the CSRF header.
    r = client.post("/referrals/1/accept")  # type: ignore[attr-defined]
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
