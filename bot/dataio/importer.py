"""`touchpoint import FILE`: world JSON or Salesforce/HubSpot CSV; bad rows reported, good rows kept.

All good rows are written in one transaction: a crash part-way leaves the database as it was before the file.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from bot.dataio.columns import ACCOUNT_COLUMNS, CONTACT_COLUMNS, detect_kind, lifecycle_of, map_columns
from bot.dataio.rows import AccountIn, ContactIn, GoalIn, InteractionIn, NextStepIn, RepIn
from bot.dataio.upsert import Upserter
from domain.errors import Conflict, InvalidInput, TouchpointError
from domain.tenancy import Rep

if TYPE_CHECKING:
    from bot.bootstrap import App

PROGRESS_FROM = 2000  # rows: show a progress bar on files at least this long


@dataclass
class ImportReport:
    kind: str
    saved: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)

    def render(self) -> str:
        lines = [f"Imported {self.kind}: " + (", ".join(f"{n} {k}" for k, n in self.saved.items()) or "nothing")]
        if self.mapped:
            lines.append("Columns mapped: " + ", ".join(f"{h} → {f}" for f, h in self.mapped.items()))
        if self.errors:
            lines.append(f"{len(self.errors)} rows skipped:")
            lines += [f"  {e}" for e in self.errors[:50]]
            if len(self.errors) > 50:
                lines.append(f"  … and {len(self.errors) - 50} more")
        return "\n".join(lines)


def import_file(app: App, workspace_id: str, path: Path) -> ImportReport:
    if not path.is_file():
        raise InvalidInput(f"No file at {path}.")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InvalidInput(f"{path.name} is not valid JSON: {exc}. Nothing was imported.") from None
        return import_world(app, workspace_id, data)
    return import_csv(app, workspace_id, path)


def _retrying(work: Callable[[], ImportReport]) -> ImportReport:
    """A parallel import of the same rows can win the race once; the retry then updates its rows."""
    try:
        return work()
    except Conflict:
        return work()


def import_world(app: App, workspace_id: str, data: Any) -> ImportReport:
    if not isinstance(data, dict) or not isinstance(data.get("accounts", []), list):
        raise InvalidInput("A world file is a JSON object with an `accounts` list. Nothing was imported.")
    return _retrying(lambda: _import_world(app, workspace_id, data))


def _import_world(app: App, workspace_id: str, data: dict[str, Any]) -> ImportReport:
    report = ImportReport("world")
    with app.services.uow(workspace_id) as uow:
        up = Upserter(uow)
        steps: list[tuple[str, type[BaseModel], Callable[[Any], object]]] = [
            ("reps", RepIn, lambda r: uow.reps.upsert(Rep(r.id, r.name or r.id, r.tz))),
            ("accounts", AccountIn, up.account),
            ("contacts", ContactIn, up.contact),
            ("interactions", InteractionIn, lambda r: up.interaction(r, workspace_id)),
            ("next_steps", NextStepIn, lambda r: up.next_step(r, workspace_id)),
            ("goals", GoalIn, up.goal),
        ]
        for key, model, apply in steps:
            items = data.get(key) or []
            _rows(report, key, model, apply, ((f"{key}[{i}]", item) for i, item in enumerate(items)), len(items))
        uow.commit()
    return report


def import_csv(app: App, workspace_id: str, path: Path) -> ImportReport:
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            headers = list(reader.fieldnames or [])
            kind = detect_kind(headers)
            if kind is None:
                raise InvalidInput(f"{path.name}: I can't find an account name or contact name column in "
                                   f"{', '.join(headers) or 'an empty header'}. Nothing was imported.")
            rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InvalidInput(f"{path.name} is not a readable CSV file ({exc}). Nothing was imported.") from None
    return _retrying(lambda: _import_rows(app, workspace_id, kind, headers, rows))


def _import_rows(app: App, workspace_id: str, kind: str, headers: list[str], rows: list[dict[str, str]]
                 ) -> ImportReport:
    columns = ACCOUNT_COLUMNS if kind == "accounts" else CONTACT_COLUMNS
    report = ImportReport(kind, mapped=map_columns(headers, columns))
    # line 1 is the header; DictReader rows start on line 2 (quoted newlines aside)
    numbered = ((f"line {reader_line}", _from_csv(kind, row, report.mapped)) for reader_line, row in
                enumerate(rows, start=2))
    with app.services.uow(workspace_id) as uow:
        up = Upserter(uow)
        model, apply = (AccountIn, up.account) if kind == "accounts" else (ContactIn, up.contact)
        _rows(report, kind, model, apply, numbered, len(rows))
        uow.commit()
    return report


def _from_csv(kind: str, row: dict[str, str], mapped: dict[str, str]) -> dict[str, Any]:
    get = {f: (row.get(h) or "").strip() for f, h in mapped.items()}
    if kind == "accounts":
        out: dict[str, Any] = {"name": get.get("name", ""), "domain": _domain(get.get("domain")) or None,
                               "segment": get.get("segment") or None, "owner": get.get("owner") or None,
                               "aliases": [a.strip() for a in get.get("aliases", "").split(";") if a.strip()]}
        life = lifecycle_of(get.get("lifecycle", ""))
        if life:
            out["lifecycle"] = life
        return out
    name = get.get("full_name") or " ".join(p for p in (get.get("first_name"), get.get("last_name")) if p)
    roles = [r.strip() for r in get.get("roles", "").replace(";", ",").split(",") if r.strip()]
    return {"name": name, "account": get.get("account", ""), "title": get.get("title") or None, "roles": roles}


def _domain(value: str | None) -> str:
    v = (value or "").strip().lower().removeprefix("https://").removeprefix("http://").removeprefix("www.")
    return v.split("/")[0]


def _rows(report: ImportReport, key: str, model: type[BaseModel], apply: Callable[[Any], object],
          items: Iterable[tuple[str, Any]], total: int) -> None:
    for where, raw in _progress(items, total, key):
        try:
            row = model.model_validate(raw)
            apply(row)
        except ValidationError as exc:
            report.errors.append(f"{where}: {_reason(exc)}")
            continue
        except TouchpointError as exc:
            report.errors.append(f"{where}: {exc.message}")
            continue
        report.saved[key] += 1


def _reason(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors()[:3])


def _progress(items: Iterable[tuple[str, Any]], total: int, label: str) -> Iterable[tuple[str, Any]]:
    if total < PROGRESS_FROM:
        yield from items
        return
    from rich.progress import track

    yield from track(items, total=total, description=f"Importing {label}", transient=True)
