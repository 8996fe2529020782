"""Shared fixtures: a real database per run — a SQLite file by default, PostgreSQL when
TOUCHPOINT_TEST_DATABASE_URL is set (CI runs the suite both ways)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import create_engine, text

if TYPE_CHECKING:
    from bot.bootstrap import App
    from bot.context import Actor

PG_ENV = "TOUCHPOINT_TEST_DATABASE_URL"  # the database the whole run uses (SQLite when unset)
PG_SERVER_ENV = "TOUCHPOINT_TEST_PG_URL"  # a PostgreSQL server for the tests that need one in any run
NOW = datetime(2026, 11, 18, 22, 30, tzinfo=UTC)  # 17:30 in New York


def _fresh_pg_database(admin_url: str) -> tuple[str, str]:
    """A new, empty database on the test server; returns its URL and name."""
    name = f"tp_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}", name


def _drop_pg_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@contextmanager
def fresh_database(directory: Path, name: str = "touchpoint.db") -> Iterator[str]:
    """A database of its own: a SQLite file in `directory`, or a new PostgreSQL database (dropped after) when
    TOUCHPOINT_TEST_DATABASE_URL is set."""
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        yield f"sqlite:///{directory / name}"
        return
    url, pg_name = _fresh_pg_database(admin_url)
    try:
        yield url
    finally:
        _drop_pg_database(admin_url, pg_name)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def shared_app(database_url: str) -> App:
    from bot.bootstrap import bootstrap
    from bot.settings import Settings

    return bootstrap(Settings(DATABASE_URL=database_url))


@pytest.fixture
def app(shared_app: App) -> App:
    return shared_app


@pytest.fixture
def workspace(app: App) -> str:
    """A fresh workspace per test: tests share a database but never each other's data."""
    ws = f"test:{uuid.uuid4().hex[:10]}"
    app.ensure_workspace(ws, "Test workspace")
    return ws


@pytest.fixture
def actor(workspace: str) -> Actor:
    from bot.context import Actor

    return Actor(workspace, "U_REP", "console", "Rep", "America/New_York")


@pytest.fixture
def pg_admin_url() -> str:
    """The PostgreSQL server for tests that need one, whichever database the run uses; under CI a missing
    server fails instead of skipping."""
    url = os.environ.get(PG_SERVER_ENV) or os.environ.get(PG_ENV)
    if url and url.startswith("postgresql"):
        return url
    if os.environ.get("CI") == "true":
        pytest.fail(f"{PG_SERVER_ENV} is not set under CI: the PostgreSQL tests must run")
    pytest.skip(f"set {PG_SERVER_ENV} to run the PostgreSQL-only tests")


SHARED = Path(__file__).resolve().parents[2] / "shared"
