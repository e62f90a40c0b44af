"""`altresponse ops ...`: migrate the operational store, verify its audit chain, add users."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from altresponse.errors import BadInput
from altresponse.jsonout import emit_json
from altresponse.settings import Settings, audit_key, get_settings

JSON_HELP = "Print a JSON summary as the last line."
CHECKPOINTS_HELP = "Checkpoint file; default ALTRESPONSE_AUDIT_CHECKPOINTS."
DB_HELP = "Database URL (sqlite:///FILE or postgresql://...); default ALTRESPONSE_DB_URL."


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="The operational store: migrations, audit chain, users.", no_args_is_help=True)

    @group.command("migrate")
    def migrate_cmd(db: str = typer.Option(None, "--db", help=DB_HELP),
                    json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
        """Create or upgrade the store's tables to the newest migration."""
        from altresponse.ops import make_engine, migrate

        url = db or get_settings().db_url
        engine = make_engine(url)
        revision = migrate(engine)
        engine.dispose()
        typer.echo(f"database at revision {revision}")
        if json_out:
            emit_json({"revision": revision})

    @group.command("verify-audit")
    def verify_cmd(db: str = typer.Option(None, "--db", help=DB_HELP),
                   checkpoints: Path = typer.Option(None, "--checkpoints", help=CHECKPOINTS_HELP),
                   json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
        """Check the keyed audit chain, the signed checkpoints and the tables against the audit rows.

        Exit 0 when all hold, 2 on any break (each named: the row, what no longer fits). Needs
        ALTRESPONSE_AUDIT_KEY.
        """
        from altresponse.ops import open_store, verify_audit

        settings = Settings()  # read now: the audit key comes from the environment of this run
        key = audit_key(settings)
        path = checkpoints or settings.audit_checkpoints
        store = open_store(db or settings.db_url, run_migrations=False)
        try:
            with store.read() as session:
                report = verify_audit(session, key, path)
        finally:
            store.dispose()
        if path is None:
            typer.echo("no checkpoint file given (ALTRESPONSE_AUDIT_CHECKPOINTS): rows cut from the end "
                       "cannot be detected", err=True)
        if report.ok:
            typer.echo(f"audit chain intact: {report.rows} rows, head {report.head_hash[:16]}, "
                       f"{report.checkpoints} checkpoints, tables agree ({report.cross_checked})")
        else:
            for p in report.problems:
                where = f"seq {p.seq}" if p.seq is not None else "table"
                typer.echo(f"audit broken ({where}): {p.problem}", err=True)
        if json_out:
            emit_json(report.as_dict())
        if not report.ok:
            # SystemExit, not typer.Exit: a non-standalone click run would turn Exit into a return value.
            raise SystemExit(2)

    @group.command("checkpoint")
    def checkpoint_cmd(db: str = typer.Option(None, "--db", help=DB_HELP),
                       checkpoints: Path = typer.Option(None, "--checkpoints", help=CHECKPOINTS_HELP),
                       json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
        """Append a signed checkpoint of the audit chain's head to the checkpoint file."""
        from altresponse.ops import open_store
        from altresponse.ops.audit import chain_head, write_checkpoint

        settings = Settings()  # read now: the audit key comes from the environment of this run
        path = checkpoints or settings.audit_checkpoints
        if path is None:
            raise BadInput("no checkpoint file: give --checkpoints or set ALTRESPONSE_AUDIT_CHECKPOINTS")
        store = open_store(db or settings.db_url, run_migrations=False, audit_key=audit_key(settings))
        try:
            with store.engine.connect() as conn:
                seq, head = chain_head(conn)
            write_checkpoint(path, store.audit_keys, seq, head)
        finally:
            store.dispose()
        typer.echo(f"checkpoint written to {path}: seq {seq}, head {head[:16]}")
        if json_out:
            emit_json({"seq": seq, "head": head, "file": str(path)})

    @group.command("create-user")
    def create_user_cmd(
        username: str = typer.Argument(..., help="Login name."),
        role: str = typer.Option(..., help="call_taker, provider, analyst or admin."),
        organization: str = typer.Option(None, help="Organization id (required for providers)."),
        db: str = typer.Option(None, "--db", help=DB_HELP),
        password_env: str = typer.Option("ALTRESPONSE_NEW_PASSWORD",
                                         help="Environment variable holding the password (else prompt)."),
        json_out: bool = typer.Option(False, "--json", help="Print a JSON summary last."),
    ) -> None:
        """Add a user (the first admin is made this way); the password never appears on the command line."""
        from altresponse.ops import open_store
        from altresponse.ops import repository as repo

        password = os.environ.get(password_env) or typer.prompt("password", hide_input=True,
                                                                 confirmation_prompt=True)
        settings = Settings()  # read now: the audit key comes from the environment of this run
        store = open_store(db or settings.db_url, audit_key=audit_key(settings))
        try:
            user = repo.create_user(store, username, password, role, organization)
        except repo.Conflict as exc:
            raise BadInput(str(exc)) from exc
        finally:
            store.dispose()
        typer.echo(f"user {user.username} ({user.role}) created with id {user.id}")
        if json_out:
            emit_json({"id": user.id, "username": user.username, "role": user.role})

    app.add_typer(group, name="ops")
