"""Reps are recorded on first contact, even when a rep's first two messages arrive at the same moment."""

from __future__ import annotations

from dataclasses import replace

from bot.bootstrap import App
from bot.context import Actor
from bot.reps import RepRegistry
from domain.tenancy import Rep
from storage.uow import SqlUnitOfWork


class _LosesTheRace(SqlUnitOfWork):
    """Commits just after another message of the same rep recorded them (another thread or process)."""

    def commit(self) -> None:
        with SqlUnitOfWork(self._engine, self.workspace_id) as other:
            other.reps.upsert(Rep("U_RACE", "Racer", "Europe/Berlin"))
            other.commit()
        super().commit()


def test_a_reps_second_first_message_does_not_fail_when_the_first_recorded_them(app: App, workspace: str) -> None:
    services = replace(app.services, uow=lambda ws: _LosesTheRace(app.engine, ws))
    RepRegistry().ensure(services, Actor(workspace, "U_RACE", tz="Europe/Berlin"))  # no "someone changed..."
    with app.services.uow(workspace) as uow:
        assert uow.reps.get("U_RACE") == Rep("U_RACE", "Racer", "Europe/Berlin")
