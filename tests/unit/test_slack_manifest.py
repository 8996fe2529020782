"""manifest.yml is a valid Slack app manifest whose slash commands are exactly the command registry's."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT.parent / "shared" / "platform-samples" / "slack-manifest-schema"
REMOTE = "https://raw.githubusercontent.com/slackapi/manifest-schema/v0.5.0/schemas/"
MANIFEST_TEXT = (ROOT / "manifest.yml").read_text()
EVENTS_URL = "https://touchpoint.example/slack/events"


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    if not SCHEMAS.is_dir():
        pytest.skip(f"Slack's manifest schema is not at {SCHEMAS}")
    # The top schema names the versioned schemas by URL: serve those URLs from the local copies, offline.
    resources = [(REMOTE + name, Resource.from_contents(json.loads((SCHEMAS / name).read_text()), DRAFT7))
                 for name in ("manifest.schema.1.0.0.json", "manifest.schema.2.0.0.json")]
    schema = json.loads((SCHEMAS / "manifest.schema.json").read_text())
    return Draft7Validator(schema, registry=Registry().with_resources(resources))


@pytest.fixture
def manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST_TEXT)
    return loaded


def test_the_manifest_validates_against_slacks_schema(validator: Draft7Validator, manifest: dict[str, Any]) -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(manifest)]
    assert errors == []


@pytest.mark.parametrize("breakage", ["no slash", "long shortcut name", "unknown key"])
def test_the_validator_catches_a_broken_manifest(validator: Draft7Validator, manifest: dict[str, Any],
                                                 breakage: str) -> None:
    broken = copy.deepcopy(manifest)
    if breakage == "no slash":
        broken["features"]["slash_commands"][0]["command"] = "log"
    elif breakage == "long shortcut name":
        broken["features"]["shortcuts"][0]["name"] = "Log this message to Touchpoint now"
    else:
        broken["settings"]["interactivity"]["menu_url"] = EVENTS_URL
    assert not validator.is_valid(broken)


def test_slash_commands_are_exactly_the_registry_commands_plus_touchpoint(manifest: dict[str, Any]) -> None:
    from bot import registry

    declared = [c["command"] for c in manifest["features"]["slash_commands"]]
    assert len(declared) == len(set(declared))
    assert set(declared) == {"/" + c.name for c in registry.commands() if c.slash} | {"/touchpoint"}


def test_every_request_url_is_the_one_bolt_endpoint(manifest: dict[str, Any]) -> None:
    assert {c["url"] for c in manifest["features"]["slash_commands"]} == {EVENTS_URL}
    settings = manifest["settings"]
    assert settings["event_subscriptions"]["request_url"] == EVENTS_URL
    assert settings["interactivity"]["request_url"] == settings["interactivity"]["message_menu_options_url"]
    assert settings["interactivity"]["request_url"] == EVENTS_URL
    assert settings["socket_mode_enabled"] is False and settings["org_deploy_enabled"] is False


def test_the_app_listens_to_dms_mentions_and_home_and_offers_both_shortcuts(manifest: dict[str, Any]) -> None:
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {
        "app_home_opened", "app_mention", "message.im", "app_uninstalled", "tokens_revoked"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
    shortcuts = {(s["type"], s["callback_id"], s["name"]) for s in manifest["features"]["shortcuts"]}
    assert shortcuts == {("message", "log_message", "Log to Touchpoint"), ("global", "log_call", "Log a call")}


def test_only_the_needed_bot_scopes_each_with_its_reason(manifest: dict[str, Any]) -> None:
    scopes = manifest["oauth_config"]["scopes"]
    assert set(scopes) == {"bot"}  # no user token
    assert set(scopes["bot"]) == {"commands", "chat:write", "im:history", "im:write", "app_mentions:read",
                                  "users:read"}
    for scope in scopes["bot"]:
        line = re.search(rf"^\s*- {re.escape(scope)}\s*#\s*\S.*$", MANIFEST_TEXT, re.MULTILINE)
        assert line is not None, f"scope {scope} needs a comment saying why"


def test_installs_ask_for_exactly_the_manifest_bot_scopes(manifest: dict[str, Any], tmp_path: Path) -> None:
    from bot.slack_oauth import BOT_SCOPES, bot_scopes

    assert bot_scopes() == manifest["oauth_config"]["scopes"]["bot"]
    assert list(BOT_SCOPES) == bot_scopes()  # what an install without manifest.yml (a wheel) asks for
    assert bot_scopes(tmp_path / "missing.yml") == list(BOT_SCOPES)
    assert manifest["oauth_config"]["redirect_urls"] == ["https://touchpoint.example/slack/oauth_redirect"]
