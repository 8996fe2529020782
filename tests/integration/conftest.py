"""Fixtures shared by the Slack journeys: the app served on loopback with its fake Web API, and a team."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.bootstrap import App
from tests.integration.slack_fakes import Slack, running_slack, world_team


@pytest.fixture(scope="module")
def slack(shared_app: App) -> Iterator[Slack]:
    """One served Slack app per test module (test_slack_oauth overrides it with the OAuth flow)."""
    with running_slack(shared_app) as running:
        yield running


@pytest.fixture
def team(slack: Slack) -> str:
    """A fresh Slack team holding the fixture world."""
    return world_team(slack)
