"""The command-line contract: exit codes and the set-up the README promises."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "altresponse.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_help_lists_contract_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("demo", "ingest", "schema"):
        assert command in result.stdout


def test_unknown_profile_is_bad_input(tmp_path: Path) -> None:
    result = run_cli("demo", "--out", str(tmp_path), "--profile", str(tmp_path / "nowhere.yaml"))
    assert result.returncode == 2
    assert "nowhere.yaml" in result.stderr


def test_ci_runs_the_readme_test_command() -> None:
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme
    assert "make test" in ci.splitlines()[-1]


@pytest.mark.slow
def test_demo_runs_end_to_end_and_links_every_output(tmp_path: Path) -> None:
    result = run_cli("demo", "--rows", "20000", "--out", str(tmp_path / "demo"), "--json")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    for path in summary["outputs"].values():
        assert Path(path).stat().st_size > 0, path
    index = (tmp_path / "demo" / "index.html").read_text()
    plan = json.loads((tmp_path / "demo" / "plan" / "plan.json").read_text())
    assert len(plan["recommended"]) >= 4
    for type_id in plan["recommended"]:
        assert type_id in index
    counts = summary["ingest"]
    assert counts["rows_in"] == counts["rows_out"] + counts["rows_rejected"] + counts["duplicates_dropped"]
