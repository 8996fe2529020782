"""Many workspaces through Slack's OAuth install flow: the install page, the redirect handler, and tokens
read per request from our database (storage/slack_installations.py)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from sqlalchemy.engine import Engine

from storage.slack_installations import SqlInstallationStore, SqlOAuthStateStore

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
MANIFEST = Path(__file__).resolve().parents[1] / "manifest.yml"
# The manifest's bot scopes, for installs from a wheel without manifest.yml (a test keeps the two equal).
BOT_SCOPES = ("commands", "chat:write", "im:history", "im:write", "app_mentions:read", "users:read")


@dataclass(frozen=True)
class OAuthCredentials:
    client_id: str
    client_secret: str
    redirect_uri: str | None = None  # needed only when the app lists several redirect URLs

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> OAuthCredentials | None:
        env = os.environ if env is None else env
        client_id, secret = env.get("SLACK_CLIENT_ID"), env.get("SLACK_CLIENT_SECRET")
        if not client_id or not secret:
            return None
        return cls(client_id, secret, env.get("SLACK_REDIRECT_URI") or None)


def bot_scopes(manifest: Path = MANIFEST) -> list[str]:
    """What the install asks for: exactly the manifest's bot scopes."""
    if not manifest.is_file():
        return list(BOT_SCOPES)
    loaded = yaml.safe_load(manifest.read_text())
    return [str(s) for s in loaded["oauth_config"]["scopes"]["bot"]]


def oauth_settings(engine: Engine, credentials: OAuthCredentials) -> OAuthSettings:
    store = SqlInstallationStore(engine)
    settings = OAuthSettings(
        client_id=credentials.client_id, client_secret=credentials.client_secret, scopes=bot_scopes(),
        user_scopes=[], redirect_uri=credentials.redirect_uri, install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH, installation_store=store, installation_store_bot_only=True,
        state_store=SqlOAuthStateStore(engine))
    # Bolt's default calls auth.test on every request, before our listener can ack; its answer for a given
    # token never changes, so it is cached per token (a reinstall brings a new token, an uninstall no token).
    settings.authorize = InstallationStoreAuthorize(
        logger=logging.getLogger("slack_bolt.authorize"), installation_store=store, client_id=credentials.client_id,
        client_secret=credentials.client_secret, bot_only=True, cache_enabled=True,
        token_rotation_expiration_minutes=settings.token_rotation_expiration_minutes)
    return settings
