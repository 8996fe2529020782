"""The "Log a call" modal (also opened, pre-filled, by the "Log to Touchpoint" message shortcut): its
Block Kit view, and its submission read back into the words the dispatcher's `log` command takes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.understanding import Directory, KnownAccount

CALLBACK_ID = "log_modal"
ACCOUNT = "account"  # block_id and action_id of the account picker (an external select)
MAX_NOTE = 3000
MAX_OPTIONS = 100  # Slack's cap for an external select's options

Json = dict[str, Any]


@dataclass(frozen=True)
class Prefill:
    account: KnownAccount | None = None
    people: str = ""
    note: str = ""
    next_step: str = ""
    due: date | None = None


def _plain(text: str) -> Json:
    return {"type": "plain_text", "text": text}


def _option(account: KnownAccount) -> Json:
    name = account.name if len(account.name) <= 75 else account.name[:74] + "…"
    return {"text": _plain(name), "value": account.id}


def account_options(directory: Directory, query: str) -> list[Json]:
    """Fuzzy search over the workspace's accounts, for the external select."""
    return [_option(a) for a, _score in directory.search_accounts(query.strip(), limit=MAX_OPTIONS)] if query else []


def _input(block_id: str, label: str, element: Json, *, optional: bool = False) -> Json:
    return {"type": "input", "block_id": block_id, "label": _plain(label), "optional": optional,
            "element": {"action_id": block_id, **element}}


def _text(initial: str, placeholder: str, *, multiline: bool = False, max_length: int = 500) -> Json:
    element: Json = {"type": "plain_text_input", "multiline": multiline, "max_length": max_length,
                     "placeholder": _plain(placeholder)}
    if initial.strip():
        element["initial_value"] = initial[:max_length]
    return element


def log_modal(prefill: Prefill, *, title: str = "Log a call") -> Json:
    picker: Json = {"type": "external_select", "min_query_length": 1, "placeholder": _plain("Search accounts")}
    if prefill.account is not None:
        picker["initial_option"] = _option(prefill.account)
    due: Json = {"type": "datepicker", "placeholder": _plain("Pick a date")}
    if prefill.due is not None:
        due["initial_date"] = prefill.due.isoformat()
    return {
        "type": "modal", "callback_id": CALLBACK_ID, "title": _plain(title[:24]),
        "submit": _plain("Log"), "close": _plain("Cancel"),
        "blocks": [
            _input(ACCOUNT, "Account", picker),
            _input("people", "People", _text(prefill.people, "Hank Scorpio (CFO), Frank"), optional=True),
            _input("note", "Notes", _text(prefill.note, "What happened?", multiline=True, max_length=MAX_NOTE)),
            _input("next", "Next step", _text(prefill.next_step, "Send the ROI calculation"), optional=True),
            _input("due", "Due", due, optional=True),
        ],
    }


def _value(values: Json, block: str) -> Json:
    found = (values.get(block) or {}).get(block) or {}
    return found if isinstance(found, dict) else {}


@dataclass(frozen=True)
class Submission:
    """A submitted log modal: the account the rep picked, and the rest in the words the parser reads."""

    account_id: str
    text: str


def read_submission(state: Json, account_name: Callable[[str], str | None]) -> tuple[Submission | None, dict[str, str]]:
    """What a submitted modal stands for, or Slack's per-field errors. Nothing in the view is trusted: the
    account id must be one of this workspace's accounts (`account_name` reads only those; the log handler
    checks it again in its own unit of work)."""
    values = state.get("values") if isinstance(state, dict) else None
    values = values if isinstance(values, dict) else {}
    errors: dict[str, str] = {}
    account_id = str((_value(values, ACCOUNT).get("selected_option") or {}).get("value") or "")
    account = account_name(account_id) if account_id else None
    if account is None:
        errors[ACCOUNT] = "Pick an account from the list."
    note = " ".join(str(_value(values, "note").get("value") or "").split())
    if not note:
        errors["note"] = "Write what happened."
    people = str(_value(values, "people").get("value") or "").strip()
    step = str(_value(values, "next").get("value") or "").strip()
    due = None
    try:
        raw_due = _value(values, "due").get("selected_date")
        due = date.fromisoformat(str(raw_due)) if raw_due else None
    except ValueError:
        errors["due"] = "That is not a date."
    if due and not step:
        errors["next"] = "Say what is due on that date."
    if errors or account is None:
        return None, errors
    # The account stays an id: written into the text, another account the note names would make it ambiguous.
    text = note + (f" With {people}." if people else "")
    if step:
        text += f"\nnext: {step}" + (f" by {due.isoformat()}" if due else "")
    return Submission(account_id, text), {}
