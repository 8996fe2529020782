"""The parser's index per workspace, rebuilt only when the workspace's change counter moved.

Several bot processes can share one database: each checks the counter (one indexed read) before using
its index, so an account added through one process is resolvable by the very next message on any other.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.customer import Lifecycle
from domain.understanding import Directory, KnownAccount, KnownContact
from storage.decode import strings
from storage.prepared import raw
from storage.tables import ACCOUNT, INDIVIDUAL
from storage.uow import directory_version


class DirectoryCache:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache: dict[str, tuple[int, Directory]] = {}
        self._lock = threading.Lock()

    def __call__(self, workspace_id: str, version: int | None = None) -> Directory:
        """The index at the workspace's current version; a caller inside a unit of work passes the version it
        read on its own connection, which saves a pool checkout per command."""
        if version is None:
            version = directory_version(self._engine, workspace_id)
        cached = self._cache.get(workspace_id)
        if cached and cached[0] == version:
            return cached[1]
        with self._lock:
            directory = self._load(workspace_id)
            self._cache[workspace_id] = (version, directory)
        return directory

    def cached(self, workspace_id: str) -> tuple[int, Directory] | None:
        """The index this process holds and the version it was built at, unchecked: for callers that read the
        current version in the same statement as their data and come back when it moved."""
        return self._cache.get(workspace_id)

    def learned(self, workspace_id: str, contacts: Sequence[KnownContact], version: int | None = None, *,
                accounts: Sequence[KnownAccount] = ()) -> None:
        """This process just committed these new accounts and contacts, and with them one move of the change
        counter, and nothing else the index reads. When no other change came in between (the counter is one past
        the cached index's), the cached index takes them in place of a full reload on the next message (about 3 s
        at 100k accounts); otherwise the next message reloads as before. Other processes see the counter move
        and reload. `version`: the counter as the commit left it (UPDATE ... RETURNING), which saves reading it
        again."""
        if not contacts and not accounts:
            return
        with self._lock:
            cached = self._cache.get(workspace_id)
            if cached is None:
                return
            if version is None:
                version = directory_version(self._engine, workspace_id)
            if version != cached[0] + 1:
                return
            cached[1].add_accounts(accounts)  # first: the contacts may be theirs
            cached[1].add_contacts(contacts)
            self._cache[workspace_id] = (version, cached[1])

    def _load(self, workspace_id: str) -> Directory:
        """The rows stream into the index's build, which holds off cyclic garbage collection: read up front, the
        300k rows of a 100k-account workspace set off a dozen full collections (1.5 s of a 4.7 s load). Only the
        columns the index needs, JSON lists read raw (most are empty): whole rows cost several times more."""
        a, p = ACCOUNT.c, INDIVIDUAL.c
        with Session(self._engine) as s:

            def accounts() -> Iterator[KnownAccount]:
                for r in s.execute(select(a.id, a.name, raw(a.aliases), a.domain, a.lifecycle).where(
                        a.workspace_id == workspace_id)):
                    yield KnownAccount(id=r[0], name=r[1], aliases=strings(r[2]), domain=r[3],
                                       customer=r[4] == Lifecycle.CUSTOMER.value)

            def contacts() -> Iterator[KnownContact]:
                for r in s.execute(select(p.id, p.name, p.account_id, p.title, raw(p.roles)).where(
                        p.workspace_id == workspace_id)):
                    yield KnownContact(id=r[0], name=r[1], account_id=r[2], title=r[3], roles=strings(r[4]))

            return Directory(accounts(), contacts())
