"""`altresponse ops ...`: migrate the operational store, verify its audit chain, add users."""

from __future__ import annotations

import os

import typer

from altresponse.errors import BadInput
from altresponse.jsonout import emit_json
from altresponse.settings import get_settings

JSON_HELP = "Print a JSON summary as the last line."
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
                   json_out: bool = typer.Option(False, "--json", help=JSON_HELP)) -> None:
        """Check the audit log's hash chain; exit 2 naming the first row that was changed."""
        from altresponse.ops import open_store, verify_audit

        store = open_store(db or get_settings().db_url, run_migrations=False)
        with store.read() as session:
            report = verify_audit(session)
        store.dispose()
        if report.ok:
            typer.echo(f"audit chain intact: {report.rows} rows, head {report.head_hash[:16]}")
        else:
            assert report.first_bad is not None
            bad = report.first_bad
            typer.echo(f"audit chain broken at seq {bad.seq}: {bad.problem}", err=True)
        if json_out:
            emit_json(report.as_dict())
        if not report.ok:
            raise typer.Exit(2)

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
        store = open_store(db or get_settings().db_url)
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
