"""`altresponse directory export|validate` through the real command line."""

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


@pytest.mark.shared
def test_export_then_validate(capsys: pytest.CaptureFixture[str], tmp_path: Path, shared: Path) -> None:
    target = tmp_path / "directory.json"
    code, out, _ = run(capsys, "directory", "export", "--out", str(target), "--directory", "baltimore",
                       "--json")
    assert code == 0
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["services"] == 12 and summary["organizations"] == 8
    code, out, _ = run(capsys, "directory", "validate", str(target), "--schemas", str(shared / "standards"))
    assert code == 0 and "valid HSDS 3.0" in out


@pytest.mark.shared
def test_validate_reports_problems_and_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                shared: Path) -> None:
    bad = tmp_path / "bad.json"
    record = {"id": "x", "name": "a", "status": "open"}
    bad.write_text(json.dumps({"organizations": [], "services": [record]}))
    code, out, err = run(capsys, "directory", "validate", str(bad), "--schemas", str(shared / "standards"),
                         "--json")
    assert code == 2
    result = json.loads(out.strip().splitlines()[-1])
    assert result["valid"] is False
    assert any("services/0/status" in p for p in result["problems"])
    assert "bad.json" in err


def test_validate_unreadable_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    code, _, err = run(capsys, "directory", "validate", str(broken))
    flat = " ".join(err.split())  # the console wraps long messages
    assert code == 2 and "broken.json, line 1: not valid JSON" in flat
