"""Helpers for journeys through the dispatcher on a real database."""

from __future__ import annotations

import json
from pathlib import Path

from bot.bootstrap import App
from bot.dataio.importer import import_world

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load_world(app: App, workspace: str) -> None:
    report = import_world(app, workspace, json.loads((FIXTURES / "world.json").read_text()))
    assert not report.errors, report.errors
