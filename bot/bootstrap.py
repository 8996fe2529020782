"""Builds everything once: settings, engine, schema, unit-of-work factory, parser index and dispatcher."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from bot.context import Services
from bot.directory_cache import DirectoryCache
from bot.dispatcher import Dispatcher
from bot.settings import Settings
from domain.errors import StorageUnavailable
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.uow import SqlReadWork, SqlUnitOfWork, ensure_workspace


@dataclass
class App:
    settings: Settings
    engine: Engine
    services: Services
    dispatcher: Dispatcher

    def ensure_workspace(self, workspace_id: str, name: str | None = None) -> None:
        try:
            ensure_workspace(self.engine, workspace_id, name or workspace_id)
        except OperationalError as exc:
            raise StorageUnavailable(f"I can't open the database ({_short(exc)}). Nothing was saved.") from exc


def bootstrap(settings: Settings | None = None, *, migrate: bool = True) -> App:
    """One App per process; tests pass their own Settings (a temporary SQLite file or a PostgreSQL URL)."""
    settings = settings or Settings()
    url = settings.url()
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(url)
    if migrate:
        try:
            upgrade(engine)
        except OperationalError as exc:
            raise StorageUnavailable(f"I can't open the database at {_where(settings)} ({_short(exc)}).") from exc
    services = Services(
        uow=lambda ws: SqlUnitOfWork(engine, ws),
        read=lambda ws: SqlReadWork(engine, ws),
        directory=DirectoryCache(engine),
    )
    return App(settings, engine, services, Dispatcher(services))


def _where(settings: Settings) -> str:
    return "DATABASE_URL" if settings.database_url else str(settings.db_path)


def _short(exc: OperationalError) -> str:
    return str(exc.orig).strip().splitlines()[0][:160]
