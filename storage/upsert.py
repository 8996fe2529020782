"""An upsert that survives a race: two processes inserting the same key at once both end with one row."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel


def merge_row(engine: Engine, row: SQLModel) -> None:
    """Insert or update `row` by primary key in its own transaction; a lost insert race retries as an update."""
    for attempt in (1, 2):
        with Session(engine) as s:
            s.merge(row)
            try:
                s.commit()
                return
            except IntegrityError:
                s.rollback()
                if attempt == 2:
                    raise
