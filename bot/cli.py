"""The `touchpoint` command line: chat, parse, import/export, demo, database and message maps."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from bot.bootstrap import App

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Touchpoint: your B2B accounts, in chat.")
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
serve_app = typer.Typer(help="Serve the bot to Slack or Teams.", no_args_is_help=True)
app.add_typer(serve_app, name="serve")
teams_app = typer.Typer(help="Microsoft Teams app package.", no_args_is_help=True)
app.add_typer(teams_app, name="teams")
digest_app = typer.Typer(help="The daily digest.", no_args_is_help=True)
app.add_typer(digest_app, name="digest")
mm_app = typer.Typer(help="Message maps: what to say to each persona at each stage.", no_args_is_help=True)
app.add_typer(mm_app, name="messagemap")

WorkspaceOpt = Annotated[str | None, typer.Option("--workspace", "-w", help="Workspace id (default console:demo)")]


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _app(workspace: str | None = None) -> App:
    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from domain.errors import TouchpointError

    try:
        settings = Settings()
        if workspace:
            settings = settings.model_copy(update={"workspace": workspace})
        built = bootstrap(settings)
        built.ensure_workspace(settings.workspace)
    except TouchpointError as exc:
        raise _fail(exc.message) from None
    return built


@app.command()
def chat(
    workspace: WorkspaceOpt = None,
    user: Annotated[str | None, typer.Option(help="Your user id")] = None,
    tz: Annotated[str | None, typer.Option(help="Your IANA time zone, e.g. Europe/Berlin")] = None,
    once: Annotated[str | None, typer.Option(help="Say one thing, print the answer, exit")] = None,
    demo: Annotated[bool, typer.Option(help="Load the demo workspace first if it is empty")] = False,
) -> None:
    """Chat with Touchpoint in the terminal (line editing and history)."""
    from bot.console import ConsoleSession, run_chat
    from bot.context import Actor

    built = _app(workspace)
    s = built.settings
    if demo:
        _load_demo(built, s.workspace, quiet=True)
    actor = Actor(s.workspace, user or s.user, "console", tz=tz or s.tz)
    session = ConsoleSession(built.dispatcher, actor)
    if once is not None:
        reply = session.say(once)
        typer.echo(reply)
        if reply.startswith("✗"):
            raise typer.Exit(1)
        return
    run_chat(session, history=s.db_path.parent / "chat_history", out=typer.echo)


@app.command()
def parse(world: Annotated[Path, typer.Option(help="World JSON (accounts and contacts)")]) -> None:
    """Read corpus cases (JSON lines) on stdin; write one reading per line on stdout."""
    from bot.parse_contract import run_contract

    if not world.is_file():
        raise _fail(f"No world file at {world}.")
    run_contract(world, sys.stdin, sys.stdout)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="World JSON, or a Salesforce/HubSpot CSV of accounts or contacts")],
    workspace: WorkspaceOpt = None,
) -> None:
    """Import accounts and contacts; re-importing updates instead of duplicating."""
    from bot.dataio.importer import import_file
    from domain.errors import TouchpointError

    built = _app(workspace)
    try:
        report = import_file(built, built.settings.workspace, file)
    except TouchpointError as exc:
        raise _fail(exc.message) from None
    typer.echo(report.render())
    if report.errors and not report.saved:
        raise typer.Exit(1)


@app.command()
def export(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File to write (default: stdout)")] = None,
    workspace: WorkspaceOpt = None,
) -> None:
    """Write the workspace as world JSON."""
    import json

    from bot.dataio.exporter import export_world

    built = _app(workspace)
    text = json.dumps(export_world(built, built.settings.workspace), indent=2, ensure_ascii=False)
    if out is None:
        typer.echo(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        typer.echo(f"Exported to {out}.")


@app.command()
def demo(workspace: WorkspaceOpt = None, reset: Annotated[bool, typer.Option(help="Replace it")] = False) -> None:
    """Load the demo workspace (a few dozen accounts, DMUs, four weeks of signals)."""
    built = _app(workspace)
    _load_demo(built, built.settings.workspace, quiet=False, reset=reset)


def _load_demo(built: App, workspace: str, *, quiet: bool, reset: bool = False) -> None:
    from bot.dataio.demo import load_demo

    loaded = load_demo(built, workspace, reset=reset)
    if not quiet or loaded:
        typer.echo(loaded or "The demo workspace is already loaded (use `touchpoint demo --reset` to reload it).")


@mm_app.command("load")
def messagemap_load(file: Annotated[Path, typer.Argument(help="Message-map YAML")], workspace: WorkspaceOpt = None
                    ) -> None:
    """Validate a message map and replace the workspace's set (nothing changes if anything is wrong)."""
    from datetime import UTC, datetime

    from bot.message_maps import load_into
    from domain.errors import TouchpointError

    built = _app(workspace)
    try:
        with built.services.uow(built.settings.workspace) as uow:
            mm = load_into(uow, file, now=datetime.now(UTC))
            uow.commit()
    except TouchpointError as exc:
        raise _fail(exc.message) from None
    typer.echo(f"Loaded {len(mm.entries)} messages and {len(mm.assets)} assets from {file.name}.")


@mm_app.command("export")
def messagemap_export(workspace: WorkspaceOpt = None) -> None:
    """Print the workspace's message map (the shipped default until one is loaded)."""
    from bot.message_maps import export_from

    built = _app(workspace)
    with built.services.uow(built.settings.workspace) as uow:
        typer.echo(export_from(uow), nl=False)


@serve_app.command("teams")
def serve_teams(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port (the Bot Framework's usual 3978)")] = 3978,
) -> None:
    """Serve the Teams bot (POST /api/messages, GET /healthz) and send digests; MicrosoftAppId/Password from
    the environment (without them authentication is off, for local development only)."""
    from bot.serve import serve_teams as run

    run(_app(), host=host, port=port)


@serve_app.command("slack")
def serve_slack(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port")] = 3000,
    socket: Annotated[bool, typer.Option("--socket", help="Socket Mode (development behind a firewall)")] = False,
) -> None:
    """Serve the Slack app (POST /slack/events, GET /healthz) and send digests. From the environment:
    SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET (the
    OAuth install flow at /slack/install); SLACK_APP_TOKEN with --socket."""
    from slack_sdk.errors import SlackApiError

    from bot.serve import serve_slack as run
    from bot.slack_app import SlackConfigError

    try:
        run(_app(), host=host, port=port, socket=socket)
    except SlackConfigError as exc:
        raise _fail(str(exc)) from None
    except (OSError, SlackApiError) as exc:
        raise _fail(f"Slack did not accept SLACK_BOT_TOKEN or could not be reached: {exc}") from None


@teams_app.command("package")
def teams_package(
    bot_id: Annotated[str, typer.Option(help="The Azure Bot's app id (a GUID)")],
    app_id: Annotated[str | None, typer.Option(help="The Teams app id (a GUID; default: the bot id)")] = None,
    out: Annotated[Path, typer.Option(help="Zip file or folder to write")] = Path("."),
) -> None:
    """Zip teams/manifest.json with its icons for upload to Teams."""
    from bot.teams_package import build_package

    try:
        written = build_package(out, bot_id=bot_id, app_id=app_id)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"Wrote {written}.")


@digest_app.command("run")
def digest_run() -> None:
    """Send every digest due now and exit (for cron or a Kubernetes CronJob); safe to run in parallel."""
    from datetime import UTC, datetime

    from bot.digest_channels import channels_from_env
    from bot.digest_runner import run_due

    built = _app()
    counts = run_due(built, channels_from_env(built), now=datetime.now(UTC))
    typer.echo("Digests: " + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "none due"))


@digest_app.command("preview")
def digest_preview(
    user: Annotated[str, typer.Option(help="The rep's user id")],
    workspace: WorkspaceOpt = None,
    tz: Annotated[str | None, typer.Option(help="Time zone (default: the rep's)")] = None,
) -> None:
    """Print a rep's digest without sending it."""
    from datetime import UTC, datetime

    from bot.digest_content import gather, render
    from bot.render.text import render_text
    from domain.digest import build_digest

    built = _app(workspace)
    with built.services.uow(built.settings.workspace) as uow:
        rep = uow.reps.get(user)
        zone_name = tz or (rep.tz if rep else built.settings.tz)
        facts = gather(uow, rep_id=user, tz=zone_name, now=datetime.now(UTC), since=None)
    typer.echo(render_text(render(build_digest(facts))))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database schema to the latest version."""
    from storage.migrate import current_revision

    built = _app()
    typer.echo(f"Database at revision {current_revision(built.engine)}.")


def main() -> None:
    """The console script: a known error is one clear line; anything else is logged, never a traceback."""
    import logging

    from domain.errors import TouchpointError

    try:
        app()
    except TouchpointError as exc:
        typer.secho(exc.message, fg=typer.colors.RED, err=True)
        sys.exit(1)
    except Exception as exc:  # the last boundary before the terminal
        logging.getLogger("touchpoint").debug("unexpected error", exc_info=True)
        typer.secho(f"Something went wrong: {type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}"
                    "\nNothing was half-written; run with TOUCHPOINT_DEBUG=1 for details.", fg=typer.colors.RED,
                    err=True)
        if os.environ.get("TOUCHPOINT_DEBUG"):
            raise
        sys.exit(2)
