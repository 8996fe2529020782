"""Settings from the environment (and a .env file): where the database is, which workspace the console uses."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_db_path() -> Path:
    """$XDG_DATA_HOME/touchpoint/touchpoint.db, i.e. ~/.local/share/touchpoint/touchpoint.db by default."""
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return base / "touchpoint" / "touchpoint.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    db_path: Path = Field(default_factory=default_db_path, validation_alias="TOUCHPOINT_DB")
    workspace: str = Field(default="console:demo", validation_alias="TOUCHPOINT_WORKSPACE")
    user: str = Field(default="U_DEMO", validation_alias="TOUCHPOINT_USER")
    tz: str = Field(default="UTC", validation_alias="TOUCHPOINT_TZ")

    def url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.db_path}"
