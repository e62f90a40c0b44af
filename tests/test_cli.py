"""The command-line contract: exit codes and the set-up the README promises."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def run_cli(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "altresponse.cli", *args], capture_output=True, text=True, cwd=cwd,
        timeout=120, env={**os.environ, **(env or {})},
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


# --- exit codes reach the shell (a real subprocess: CliRunner cannot see what `main` passes on) ---


def test_usage_errors_exit_2_with_the_parsers_message() -> None:
    for args, message in ((("ingest", "--bogus"), "No such option"),
                          (("ingest",), "Missing argument"),
                          (("no-such-command",), "No such command")):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr
        assert "internal error" not in result.stderr


def test_debug_is_accepted_anywhere_on_the_line() -> None:
    for args in (("--debug", "schema", "--help"), ("schema", "--help", "--debug")):
        result = run_cli(*args)
        assert result.returncode == 0, result.stderr
        assert "No such option" not in result.stderr


def test_a_typer_exit_code_reaches_the_shell(tmp_path: Path) -> None:
    """`ops verify-audit` on a changed audit row must exit 2, not 0."""
    import sqlalchemy as sa

    from altresponse.ops import open_store
    from altresponse.ops import repository as repo

    key = "test-audit-key-kept-outside-the-database-0001"
    url = f"sqlite:///{tmp_path / 'ops.db'}"
    store = open_store(url, audit_key=key.encode())
    repo.create_user(store, "admin1", "a-long-password-1", "admin", None)
    repo.create_user(store, "analyst1", "a-long-password-2", "analyst", None)
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER audit_log_no_update"))
        conn.execute(sa.text("UPDATE audit_log SET actor='mallory' WHERE seq=1"))
    store.dispose()
    result = run_cli("ops", "verify-audit", "--db", url, env={"ALTRESPONSE_AUDIT_KEY": key})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "broken" in result.stderr
