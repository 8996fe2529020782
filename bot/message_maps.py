"""The message map a workspace uses: its own (loaded by marketing) or the shipped default, parsed once."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from bot.messagemap_file import (
    MessageMapFileError,
    default_message_map,
    dump_message_map,
    load_message_map_text,
)
from domain.errors import InvalidInput
from domain.messagemap import MessageMap
from storage.uow import SqlReadWork, SqlUnitOfWork


@lru_cache(maxsize=64)
def _parsed(source: str) -> MessageMap:
    return load_message_map_text(source)


_UNREAD = datetime.min  # "the caller didn't read when the map changed": read the source


def message_map_for(uow: SqlUnitOfWork | SqlReadWork, *, changed_at: datetime | None = _UNREAD) -> MessageMap:
    """The workspace's map. A caller that already read when it last changed (None: never, so the shipped
    default) passes that time, and the parsed map is reused without reading the YAML again."""
    if changed_at is None:
        return default_message_map()
    key = (uow.workspace_id, changed_at)
    if changed_at is not _UNREAD and key in _by_change:
        return _by_change[key]
    source = uow.message_maps.source()
    mm = _parsed(source) if source is not None else default_message_map()
    if changed_at is not _UNREAD:
        if len(_by_change) > 256:  # bounded: one entry per workspace and map version in use
            _by_change.clear()
        _by_change[key] = mm
    return mm


_by_change: dict[tuple[str, datetime], MessageMap] = {}


def load_into(uow: SqlUnitOfWork, path: Path, *, now: datetime) -> MessageMap:
    """Validate the whole file, then replace the workspace's map in this transaction (all or nothing)."""
    try:
        source = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"I can't read {path}: {exc}. Nothing was loaded.") from None
    try:
        mm = load_message_map_text(source)
    except MessageMapFileError as exc:
        lines = "\n".join(f"  {path.name}: {e}" for e in exc.errors)
        raise InvalidInput(f"{len(exc.errors)} problems in {path.name}; nothing was loaded:\n{lines}") from None
    uow.message_maps.replace(source, now=now)
    return mm


def export_from(uow: SqlUnitOfWork) -> str:
    source = uow.message_maps.source()
    return source if source is not None else dump_message_map(default_message_map())
