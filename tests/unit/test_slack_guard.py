"""Who belongs to the workspace a Slack request is authorized for: the team, or the org-wide install's enterprise."""

from __future__ import annotations

import pytest

from bot.slack_guard import Home, outsider, user_home


@pytest.mark.parametrize("home,team,enterprise,org_install,refused", [
    (Home("T1"), "T1", None, False, False),
    (Home("T2"), "T1", None, False, True),  # another workspace
    (Home("T2", shared=True), "T1", None, False, True),
    (Home(None, "E2", shared=True), "T1", None, False, True),  # a user of another Grid organisation
    (Home(shared=True), "T1", None, False, True),  # a shared channel and nothing says the user is ours
    (Home(), "T1", None, False, False),  # our own channel: only our users
    (Home("T2"), None, "E1", True, False),  # org-wide install (slack:E1:): another workspace of the same enterprise
    (Home(None, "E1"), None, "E1", True, False),
    (Home(None, "E2", shared=True), None, "E1", True, True),  # another enterprise
    (Home("T9", shared=True), None, "E1", True, True),  # an external team: its enterprise unknown
    (Home("T2", "E1"), "T1", "E1", True, True),  # the workspace id names team T1 (slack:E1:T1): the team rules
    (Home("T1", "E1"), "T1", "E1", True, False),
])
def test_the_boundary_is_the_one_the_workspace_id_draws(home: Home, team: str | None, enterprise: str | None,
                                                        org_install: bool, refused: bool) -> None:
    assert outsider(home, team_id=team, enterprise_id=enterprise, is_enterprise_install=org_install) is refused


def test_each_kind_names_its_users_team_where_slack_puts_it() -> None:
    event = {"type": "event_callback", "is_ext_shared_channel": True,
             "event": {"user": "U1", "user_profile": {"team": "T2"}}}
    assert user_home(event) == Home("T2", None, shared=True)
    assert user_home({"type": "event_callback", "event": {"user": "U1", "user_team": "E2"}}) == Home(None, "E2")
    assert user_home({"command": "/dmu", "team_id": "T1", "enterprise_id": "E1"}) == Home("T1", "E1")
    assert user_home({"type": "block_actions", "user": {"id": "U1", "team_id": "T3"}}) == Home("T3")
    assert user_home({"type": "event_callback", "event": {"type": "tokens_revoked"}}) == Home()
