"""PostgreSQL connections are pinged only after an idle spell: a connection back from a message moments ago is
trusted (a ping is a round trip per message), one idle longer is checked and replaced when its server process
is gone, and a connection that died inside the trusted window costs one polite error, never a half-written log."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import text

import storage.engine as engine_module
from bot.bootstrap import App, bootstrap
from bot.context import Actor
from bot.replies import Tone
from bot.settings import Settings
from tests.conftest import NOW, _drop_pg_database, _fresh_pg_database
from tests.integration.helpers import load_world

LOG = "Good call with Frank at Globex today, he wants the security pack by Friday"


@pytest.fixture
def pg_app(pg_admin_url: str) -> Iterator[App]:
    url, name = _fresh_pg_database(pg_admin_url)
    app = bootstrap(Settings(DATABASE_URL=url))
    try:
        yield app
    finally:
        app.engine.dispose()
        _drop_pg_database(pg_admin_url, name)


@pytest.fixture
def pings(pg_app: App, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every ping the pool sends, counted at the dialect."""
    sent: list[int] = []
    ping = pg_app.engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        sent.append(1)
        return bool(ping(dbapi_connection))

    monkeypatch.setattr(pg_app.engine.dialect, "do_ping", counted)
    return sent


def _kill_pooled_connections(admin_url: str, app: App) -> None:
    """End the server process of every connection the app's pool holds (as a restart or a crash would)."""
    from sqlalchemy import create_engine

    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        ended = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE datname = :name"), {"name": app.engine.url.database}).scalar_one()
    admin.dispose()
    assert ended >= 1


def _logs(app: App, workspace: str) -> int:
    with app.services.uow(workspace) as uow:
        globex = uow.accounts.by_name("Globex Corporation")
        assert globex is not None
        return uow.interactions.count_for_account(globex.id)


@pytest.fixture
def rep(pg_app: App) -> Actor:
    pg_app.ensure_workspace("test:ping", "Ping")
    load_world(pg_app, "test:ping")
    return Actor("test:ping", "U_REP", tz="America/New_York")


def test_a_connection_back_moments_ago_is_not_pinged_and_one_idle_longer_is(
        pg_app: App, rep: Actor, pings: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    for n in range(5):
        assert pg_app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id=f"busy-{n}").tone == Tone.SUCCESS
    assert pings == []
    monkeypatch.setattr(engine_module, "TRUSTED_FOR", 0.0)  # every connection has now been idle "long enough"
    assert pg_app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="after-idle").tone == Tone.SUCCESS
    assert len(pings) >= 1


def test_an_idle_connection_whose_server_process_died_is_replaced_without_the_rep_noticing(
        pg_app: App, rep: Actor, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _logs(pg_app, rep.workspace_id)
    _kill_pooled_connections(pg_admin_url, pg_app)
    monkeypatch.setattr(engine_module, "TRUSTED_FOR", 0.0)
    reply = pg_app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="after-kill")
    assert reply.tone == Tone.SUCCESS, reply.headline
    assert _logs(pg_app, rep.workspace_id) == before + 1


def test_a_connection_that_died_inside_the_trusted_window_costs_one_polite_error_and_writes_nothing(
        pg_app: App, rep: Actor, pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine_module, "TRUSTED_FOR", 3600.0)  # nothing is pinged
    before = _logs(pg_app, rep.workspace_id)
    _kill_pooled_connections(pg_admin_url, pg_app)
    failed = pg_app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="died")
    assert failed.tone == Tone.ERROR and "Nothing was saved" in failed.headline
    again = pg_app.dispatcher.handle_text(LOG, actor=rep, now=NOW, delivery_id="died")  # the rep's retry
    assert again.tone == Tone.SUCCESS, again.headline
    assert _logs(pg_app, rep.workspace_id) == before + 1
