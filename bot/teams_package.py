"""The Teams app package: teams/manifest.json with the bot's id filled in, zipped with its two icons for upload."""

from __future__ import annotations

import json
import struct
import uuid
import zipfile
from pathlib import Path

TEAMS_DIR = Path(__file__).resolve().parents[1] / "teams"
ICONS = {"color.png": (192, 192), "outline.png": (32, 32)}  # the sizes Teams accepts
PACKAGE_NAME = "touchpoint-teams.zip"
_FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # the same inputs give the same zip, byte for byte


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR; ValueError for anything else."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _guid(value: str, what: str) -> str:
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise ValueError(f"{what} must be the Microsoft App ID (a GUID), got {value!r}") from None


def manifest(*, bot_id: str, app_id: str | None = None, source: Path = TEAMS_DIR) -> dict[str, object]:
    """The manifest with its placeholders filled: the bot id, and the Teams app id (the bot id unless given)."""
    bot = _guid(bot_id, "The bot id")
    text = (source / "manifest.json").read_text(encoding="utf-8")
    text = text.replace("${{BOT_ID}}", bot).replace("${{TEAMS_APP_ID}}", _guid(app_id or bot, "The app id"))
    if "${{" in text:
        raise ValueError("teams/manifest.json has a placeholder that build_package does not fill")
    loaded: dict[str, object] = json.loads(text)
    return loaded


def build_package(out: Path, *, bot_id: str, app_id: str | None = None, source: Path = TEAMS_DIR) -> Path:
    """Write the upload zip (manifest.json, color.png, outline.png at its root); `out` is a file or a folder."""
    target = out / PACKAGE_NAME if out.is_dir() else out
    filled = manifest(bot_id=bot_id, app_id=app_id, source=source)
    icons = {name: (source / name).read_bytes() for name in ICONS}
    for name, data in icons.items():
        if png_size(data) != ICONS[name]:
            raise ValueError(f"teams/{name} must be {ICONS[name][0]}x{ICONS[name][1]} pixels")
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        body = json.dumps(filled, indent=2, ensure_ascii=False).encode()
        zf.writestr(zipfile.ZipInfo("manifest.json", _FIXED_TIME), body, zipfile.ZIP_DEFLATED)
        for name, data in icons.items():
            zf.writestr(zipfile.ZipInfo(name, _FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    return target
