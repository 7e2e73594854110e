"""The ``voiceroute`` command: run the service, manage accounts, migrate the database.

It calls services directly, never the HTTP API, so it works while the API is down.
"""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from voiceroute import __version__
from voiceroute.config import Settings, load_settings
from voiceroute.db import Database
from voiceroute.errors import ConfigurationError, NotFound
from voiceroute.services import accounts as account_service
from voiceroute.services.dataplane import resync_all
from voiceroute.sip.process import DataPlane, kamailio_path

app = typer.Typer(help="voiceroute: intelligent voice routing.", no_args_is_help=True)
accounts_app = typer.Typer(help="Create, list and disable accounts.", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
sip_app = typer.Typer(help="The SIP data plane (Kamailio).", no_args_is_help=True)
app.add_typer(accounts_app, name="accounts")
app.add_typer(db_app, name="db")
app.add_typer(sip_app, name="sip")


@contextmanager
def _database() -> Iterator[Database]:
    """The migrated database, closed again when the command is done."""
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    db = Database(settings.effective_database_url)
    try:
        db.upgrade()
        yield db
    finally:
        db.dispose()


@app.command()
def serve(
    host: Annotated[
        str | None, typer.Option(help="Address to listen on [default: VOICEROUTE_HOST]")
    ] = None,
    port: Annotated[int | None, typer.Option(help="Port [default: VOICEROUTE_PORT]")] = None,
    sip: Annotated[
        bool | None,
        typer.Option(
            "--sip/--no-sip",
            help="Also run the SIP data plane [default: when Kamailio is installed]",
        ),
    ] = None,
) -> None:
    """Run the API server, and the SIP data plane beside it when Kamailio is installed."""
    import uvicorn

    from voiceroute.api.app import create_app
    from voiceroute.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    log = logging.getLogger("voiceroute")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    try:
        api = create_app(settings)
        plane = None
        if sip is None and kamailio_path(settings) is None:
            log.warning(
                "Kamailio is not installed: serving the API only, no calls are routed "
                "(apt-get install kamailio kamailio-sqlite-modules kamailio-postgres-modules)"
            )
        elif sip is not False:
            plane = _start_data_plane(settings, api.state.services.db)
    except ConfigurationError as exc:
        hint = "" if sip is False else " (--no-sip serves the API without the data plane)"
        typer.echo(f"voiceroute: {exc}{hint}", err=True)
        raise typer.Exit(2) from exc
    bind_host, bind_port = host or settings.host, port or settings.port
    log.info(
        "voiceroute %s listening on http://%s:%s (database: %s; data plane: %s)",
        __version__,
        bind_host,
        bind_port,
        "embedded SQLite" if settings.uses_embedded_database else "external",
        f"SIP on {settings.sip_listen}" if plane else "off",
    )
    try:
        uvicorn.run(
            api,
            host=bind_host,
            port=bind_port,
            access_log=False,  # our own structured access log carries the TraceId
            log_config=None,
            server_header=False,
        )
    finally:
        if plane is not None:
            plane.stop()


@accounts_app.command("create")
def accounts_create(
    name: Annotated[str, typer.Option(help="A name for the account, 1 to 128 characters.")],
) -> None:
    """Create an account; prints AccountKey and AccountSecret (shown only this once)."""
    with _database() as db:
        account = account_service.create_account(db, name)
    typer.echo(
        json.dumps(
            {
                "AccountKey": account.account_key,
                "AccountSecret": account.account_secret,
                "Name": account.name,
            }
        )
    )


@accounts_app.command("list")
def accounts_list() -> None:
    """List accounts, one JSON object a line (secrets are never shown)."""
    with _database() as db:
        accounts = account_service.list_accounts(db)
    for account in accounts:
        typer.echo(
            json.dumps(
                {
                    "AccountKey": account.account_key,
                    "Name": account.name,
                    "Enabled": account.enabled,
                    "CreatedAt": account.created_at.isoformat(),
                }
            )
        )


@accounts_app.command("disable")
def accounts_disable(key: Annotated[str, typer.Argument(help="The AccountKey (DID-...).")]) -> None:
    """Disable an account: its tokens stop working at once."""
    try:
        with _database() as db:
            account_service.disable_account(db, key)
    except NotFound as exc:
        typer.echo(f"voiceroute: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(json.dumps({"AccountKey": key, "Enabled": False}))


def _start_data_plane(settings: Settings, db: Database) -> DataPlane:
    """Heal the data-plane tables from the routes (a no-op when they are right), then start."""
    routes = resync_all(db)
    logging.getLogger("voiceroute.sip").info(
        "data-plane tables checked", extra={"fields": {"routes": routes}}
    )
    plane = DataPlane(settings, db)
    plane.start()
    return plane


@sip_app.command("run")
def sip_run() -> None:
    """Run Kamailio with this node's config, and keep it in step with the database.

    Stops cleanly on SIGTERM or SIGINT; exits with Kamailio's exit code.
    """
    from voiceroute.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level)
    with _database() as db:
        stopping = threading.Event()

        def stop(_signum: int, _frame: object) -> None:
            stopping.set()

        # Installed before Kamailio starts, so that no SIGTERM can find Python's default.
        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            plane = _start_data_plane(settings, db)
        except ConfigurationError as exc:
            typer.echo(f"voiceroute: {exc}", err=True)
            raise typer.Exit(2) from exc
        while not stopping.is_set() and plane.kamailio.running:
            stopping.wait(0.5)
        code = plane.stop() or 0
    # A child killed by signal N reports -N; a shell reports that as 128 + N.
    raise typer.Exit(code if code >= 0 else 128 - code)


@sip_app.command("config")
def sip_config() -> None:
    """Print the Kamailio config this node would run."""
    from voiceroute.sip.config import render_config

    settings = load_settings()
    rpc_socket = (settings.data_dir / "kamailio" / "rpc.sock").resolve()
    typer.echo(
        render_config(settings, database_url=settings.effective_database_url, rpc_socket=rpc_socket)
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every database migration not yet applied."""
    with _database():
        typer.echo("database is up to date")


def main() -> None:
    app()
