"""The demo workspace: generated for today, loaded through the same importer as any world file."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from bot.dataio.importer import import_world
from bot.demo_world import build_demo_world

if TYPE_CHECKING:
    from bot.bootstrap import App


def load_demo(app: App, workspace_id: str, *, reset: bool = False, rep_id: str | None = None) -> str | None:
    """Load the demo unless the workspace already has accounts; returns what was loaded, or None."""
    with app.services.uow(workspace_id) as uow:
        if uow.accounts.count() and not reset:
            return None
    world = build_demo_world(today=datetime.now(UTC).date(), rep_id=rep_id or app.settings.user)
    report = import_world(app, workspace_id, world)
    return "Demo workspace loaded. " + report.render()
