"""The command-line contract: exit codes and the set-up the README promises."""

import subprocess
import sys
from pathlib import Path

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
