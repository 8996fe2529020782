"""The confirmation after a log: exactly what was understood, with Undo and Edit."""

from __future__ import annotations

from datetime import date

from bot.replies import Button, Facts, Reply, Tone
from domain.customer import Account
from domain.understanding import Reading


def due_text(due: date | None, *, today: date) -> str:
    if due is None:
        return "no date"
    days = (due - today).days
    relative = {0: "today", 1: "tomorrow", -1: "yesterday"}.get(days)
    label = f"{due:%a} {due:%b} {due.day}"
    return f"{label} ({relative})" if relative else label


def understood(reading: Reading, account: Account, interaction_id: str, *, today: date) -> Reply:
    pairs: list[tuple[str, str]] = [("Account", account.name)]
    if reading.people:
        pairs.append(("People", ", ".join(_person(p.name, p.title, p.is_known) for p in reading.people)))
    if reading.signals:
        pairs.append(("Signals", ", ".join(f"{s.channel.value} ({s.polarity.value})" for s in reading.signals)))
    if reading.touches:
        pairs.append(("Touch", ", ".join(t.kind for t in reading.touches)))
    if reading.stage is not None:
        pairs.append(("Stage evidence", f"{reading.stage.stage.label} — \u201c{reading.stage.phrase}\u201d"))
    if reading.next_step is not None:
        ns = reading.next_step
        pairs.append(("Next step", f"{ns.text} — due {due_text(ns.due, today=today)}"))
    value = {"interaction": interaction_id}
    return Reply(
        f"Logged for {account.name}.",
        (Facts(tuple(pairs)),),
        actions=(Button("Undo", "log.undo", value, "danger"), Button("Edit", "log.edit", value)),
        tone=Tone.SUCCESS,
    )


def _person(name: str, title: str | None, known: bool) -> str:
    label = f"{name} ({title})" if title else name
    return label if known else f"{label} — new"
