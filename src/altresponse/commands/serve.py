"""`altresponse serve`: run the triage and referral service (FastAPI under uvicorn)."""

from __future__ import annotations

import logging

import typer

from altresponse.settings import Settings, resolve_keys


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: str = typer.Option("127.0.0.1", help="Address to listen on."),
        port: int = typer.Option(8000, help="Port to listen on."),
        db: str = typer.Option(None, "--db", help="Database URL; default ALTRESPONSE_DB_URL (SQLite file)."),
        log_level: str = typer.Option("info", help="Log level (the log never holds caller details)."),
        workers: int = typer.Option(1, min=1, max=64, help="Worker processes (each a full app; the audit "
                                    "chain stays linear across them)."),
        profile: str = typer.Option(None, "--profile", envvar="ALTRESPONSE_PROFILE",
                                    help="City profile the service routes for (name, YAML or folder)."),
        dev: bool = typer.Option(False, "--dev", help="Development mode: throw-away secrets when "
                                 "ALTRESPONSE_SECRET_KEY / ALTRESPONSE_AUDIT_KEY are not set. "
                                 "Never in production."),
    ) -> None:
        """Serve the API, the call-taker screen (/ui/call-taker) and the provider screen (/ui/provider).

        The database is migrated on start. OpenAPI document at /openapi.json, docs at /docs.
        Refuses to start without ALTRESPONSE_SECRET_KEY and ALTRESPONSE_AUDIT_KEY (exit 2) unless
        in development mode (--dev or ALTRESPONSE_DEV_MODE=1).
        """
        import os

        import uvicorn

        from altresponse.ops import make_engine, migrate
        from altresponse.service import create_app

        logging.getLogger("altresponse").setLevel(log_level.upper())
        overrides: dict[str, object] = {"db_url": db} if db else {}
        if profile:
            overrides["profile"] = profile
            os.environ["ALTRESPONSE_PROFILE"] = profile  # the workers read their settings from here
        if dev:
            overrides["dev_mode"] = True
        settings = Settings(**overrides)  # type: ignore[arg-type]
        keys = resolve_keys(settings)  # before anything else: no secret, no service
        if keys.ephemeral:  # every worker must sign and chain with the same throw-away keys
            os.environ["ALTRESPONSE_SECRET_KEY"] = keys.token_secret
            os.environ["ALTRESPONSE_AUDIT_KEY"] = keys.audit_key.decode("utf-8")
            settings = Settings(**overrides)  # type: ignore[arg-type]
        engine = make_engine(settings.db_url)
        revision = migrate(engine)  # once, before any worker starts
        dialect = engine.dialect.name
        engine.dispose()
        typer.echo(f"altresponse serving on http://{host}:{port} (database {dialect} at {revision}, "
                   f"{workers} worker{'s' if workers > 1 else ''})")
        # uvicorn's access log prints full URLs; ours logs route templates only.
        if workers == 1:
            application = create_app(settings, run_migrations=False)
            uvicorn.run(application, host=host, port=port, log_level=log_level, access_log=False)
            return
        os.environ["ALTRESPONSE_DB_URL"] = settings.db_url  # the workers read their settings from here
        uvicorn.run("altresponse.service.app:app_from_environment", factory=True, workers=workers, host=host,
                    port=port, log_level=log_level, access_log=False)
