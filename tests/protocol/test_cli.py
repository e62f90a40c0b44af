"""`altresponse protocol show|decide` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from altresponse.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(args))
    out, err = capsys.readouterr()
    return int(exc.value.code or 0), out, err


def test_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "protocol", "show", "--protocol", "baltimore", "--json")
    assert code == 0
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["version"].startswith("baltimore-1.0+")
    assert summary["questions"][0]["id"] == "weapon"
    assert summary["rules"][0]["match"] == {"mpds_codes": ["25A01", "25A02", "25B03"]}
    assert "Questions (asked in this order)" in out


def test_decide_json_with_match(capsys: pytest.CaptureFixture[str]) -> None:
    answers = [f"--answer={q}=no" for q in ("weapon", "violence_in_progress", "medical_emergency",
                                            "crime_in_progress", "imminent_self_harm", "risk_to_others",
                                            "insufficient_information", "under_18")]
    code, out, _ = run(capsys, "protocol", "decide", "--profile", "baltimore", "--mpds", "25A01",
                       "--type", "suicidal_ideation",
                       *answers, "--lon", "-76.61", "--lat", "39.29", "--at", "2026-11-25T10:00", "--json")
    assert code == 0
    result = json.loads(out.strip().splitlines()[-1])
    assert result["decision"]["pathway"] == "crisis_line_988"
    assert result["decision"]["rule_ids"] == ["BAL-988-PILOT"]
    assert result["call"]["category"] == "behavioral_health"  # looked up in the taxonomy
    assert result["match"]["options"][0]["phone"] == "988"


def test_decide_unanswered_goes_safer(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "protocol", "decide", "--protocol", "baltimore", "--directory", "baltimore",
                       "--type", "welfare_check", "--category", "welfare_assist", "--json")
    assert code == 0
    assert json.loads(out.strip().splitlines()[-1])["decision"]["pathway"] == "co_response"


@pytest.mark.parametrize("args", [
    ("--type", "welfare_check", "--answer", "weapon=maybe"),
    ("--type", "welfare_check", "--answer", "mood=calm"),
    ("--type", "welfare_check", "--answer", "weapon"),
    ("--type", "no_such_type"),
])
def test_decide_bad_input_exits_2(capsys: pytest.CaptureFixture[str], args: tuple[str, ...]) -> None:
    code, _, err = run(capsys, "protocol", "decide", "--profile", "baltimore", *args)
    assert code == 2
    assert "error:" in err


def test_without_a_protocol_or_profile_it_asks(capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing falls back to a city: no --protocol and no --profile is bad input."""
    for args in (("show",), ("decide", "--type", "welfare_check")):
        code, _, err = run(capsys, "protocol", *args)
        assert code == 2 and "--protocol" in err


def test_show_html_is_self_contained(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    page = tmp_path / "protocol.html"
    code, out, _ = run(capsys, "protocol", "show", "--profile", "baltimore", "--html", str(page), "--json")
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["html"] == str(page)
    text = page.read_text(encoding="utf-8")
    assert "G1-WEAPON" in text and "BAL-988-PILOT" in text and "HOMELESS-PLACE" in text
    assert "Is anyone being hurt or threatened with harm right now?" in text
    assert "<script src=" not in text and "<link " not in text  # nothing fetched from elsewhere
