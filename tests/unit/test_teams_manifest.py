"""The Teams app manifest, its icons and the upload zip."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from bot.teams_package import ICONS, TEAMS_DIR, build_package, png_size

BOT_ID = "c9e8c047-2a74-40a2-b28a-b162d5f5327c"


def raw_manifest() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((TEAMS_DIR / "manifest.json").read_text())
    return loaded


def decode_png(data: bytes) -> tuple[int, int, bytes]:
    """Walks every chunk (checking CRCs) and inflates the pixels: a PNG a viewer would refuse fails here."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,), kind = struct.unpack(">I", data[pos : pos + 4]), data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(kind + body)
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + length
    width, height, depth, color = struct.unpack(">IIBB", header[:10])
    assert (depth, color) == (8, 6)  # 8-bit RGBA
    pixels = zlib.decompress(idat)
    assert len(pixels) == height * (1 + 4 * width)
    return width, height, pixels


def test_the_command_list_matches_the_registrys_slash_commands() -> None:
    from bot.registry import commands

    slash = [c for c in commands() if c.slash]
    (bot,) = raw_manifest()["bots"]
    for command_list in bot["commandLists"]:
        listed = command_list["commands"]
        assert [c["title"] for c in listed] == [c.name for c in slash]
        for entry, spec in zip(listed, slash, strict=True):
            assert entry["description"].startswith(spec.summary) and spec.usage in entry["description"]
            assert len(entry["title"]) <= 32 and len(entry["description"]) <= 128  # Teams' limits
        assert len(listed) <= 10


def test_the_manifest_declares_a_bot_in_every_scope_with_placeholders_for_its_ids() -> None:
    manifest = raw_manifest()
    assert tuple(int(p) for p in manifest["manifestVersion"].split(".")) >= (1, 16)
    assert "v1.16" in manifest["$schema"]
    (bot,) = manifest["bots"]
    assert bot["botId"] == "${{BOT_ID}}" and manifest["id"] == "${{TEAMS_APP_ID}}"
    assert set(bot["scopes"]) == {"personal", "team", "groupChat"}
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert len(manifest["name"]["short"]) <= 30 and len(manifest["description"]["short"]) <= 80
    assert len(manifest["description"]["full"]) <= 4000


@pytest.mark.parametrize(("name", "size"), sorted(ICONS.items()))
def test_icons_are_valid_pngs_of_the_sizes_teams_requires(name: str, size: tuple[int, int]) -> None:
    data = (TEAMS_DIR / name).read_bytes()
    width, height, _ = decode_png(data)
    assert (width, height) == png_size(data) == size


def test_the_outline_icon_is_white_on_transparent() -> None:
    width, height, pixels = decode_png((TEAMS_DIR / "outline.png").read_bytes())
    seen = set()
    for y in range(height):
        row = pixels[y * (1 + 4 * width) + 1 : (y + 1) * (1 + 4 * width)]
        seen |= {row[i : i + 4] for i in range(0, len(row), 4)}
    assert seen == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}


def test_the_package_holds_the_filled_manifest_and_both_icons(tmp_path: Path) -> None:
    zipped = build_package(tmp_path, bot_id=BOT_ID.upper())
    assert zipped.parent == tmp_path and zipped.suffix == ".zip"
    with zipfile.ZipFile(zipped) as zf:
        assert sorted(zf.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.read("color.png") == (TEAMS_DIR / "color.png").read_bytes()
    assert manifest["bots"][0]["botId"] == BOT_ID and manifest["id"] == BOT_ID
    assert "${{" not in json.dumps(manifest)
    again = build_package(tmp_path / "other.zip", bot_id=BOT_ID)
    assert again.read_bytes() == zipped.read_bytes()  # reproducible


def test_a_separate_teams_app_id_can_be_given(tmp_path: Path) -> None:
    app_id = "11111111-2222-3333-4444-555555555555"
    with zipfile.ZipFile(build_package(tmp_path / "p.zip", bot_id=BOT_ID, app_id=app_id)) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    assert manifest["id"] == app_id and manifest["bots"][0]["botId"] == BOT_ID


@pytest.mark.parametrize("bad", ["", "my-bot", "${{BOT_ID}}", "c9e8c047-2a74"])
def test_a_bot_id_that_is_not_a_guid_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ValueError, match="GUID"):
        build_package(tmp_path / "p.zip", bot_id=bad)
    assert not (tmp_path / "p.zip").exists()


def test_a_wrongly_sized_icon_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "teams"
    source.mkdir()
    for name in ("manifest.json", "outline.png"):
        (source / name).write_bytes((TEAMS_DIR / name).read_bytes())
    (source / "color.png").write_bytes((TEAMS_DIR / "outline.png").read_bytes())
    with pytest.raises(ValueError, match="192x192"):
        build_package(tmp_path / "p.zip", bot_id=BOT_ID, source=source)
