"""Adaptive Cards for Microsoft Teams (schema 1.5, the newest Teams renders): a pure Reply -> dict renderer.

Every string in a Reply is plain text, so TextBlocks get it escaped: Adaptive Card text is a markdown subset,
and a rep's note must never turn into a link, emphasis or an `<at>` mention.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from bot.render.text import render_text
from bot.replies import Button, Choice, Facts, Reply, Section, Tone

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
MAX_BYTES = 25_000  # Teams refuses messages over ~28 KB; keep a margin for the envelope the SDK adds
MAX_ACTIONS = 6  # Teams shows at most six actions per action bar
CHOOSE = "tp.choose"  # the submit of a dropdown choice; its input holds the picked option

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")  # incl. bidi overrides
_TAG = re.compile(r"<(?=[A-Za-z/!?])")  # "<at>", "</at>", "<b>": anything a host could read as a tag
_INLINE = re.compile(r"([\\*_\[\]`~])")  # emphasis, links, code, strike-through
_LINE_START = re.compile(r"^(\s*)([#>+\-=|]|\d+(?=[.)]))", re.MULTILINE)  # headings, quotes, lists
# The characters and the line start the substitutions in `escape` act on (or more): text with neither is returned
# as it is, without five regex passes (most of a card's texts are names and short phrases). Without a newline,
# the only line start is the text's own.
_ESCAPED_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f\u202a-\u202e\u2066-\u2069<\\*_\[\]`~]")
_ESCAPED_START = re.compile(r"\s*(?:[#>+\-=|]|\d+[.)])")
_COLOR = {Tone.SUCCESS: "good", Tone.ERROR: "attention", Tone.QUESTION: "accent", Tone.INFO: "default"}
_STYLE = {"primary": "positive", "danger": "destructive"}


def escape(text: str) -> str:
    """Plain text -> Adaptive Card markdown that shows exactly those characters."""
    if _ESCAPED_CHAR.search(text) or _ESCAPED_START.match(text):
        return _escape_markdown(text)
    return text


def _escape_markdown(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    text = _TAG.sub("<\u200b", text)  # a zero-width space keeps the look but is never a tag
    text = _INLINE.sub(r"\\\1", text)
    text = _LINE_START.sub(
        lambda m: m.group(1) + (m.group(2) + "\\" if m.group(2)[0].isdigit() else "\\" + m.group(2)), text
    )
    return text.replace("\n", "\n\n")  # markdown joins single newlines; the rep's line breaks should stay


def plain(text: str, limit: int = 200) -> str:
    """Text shown without markdown (button titles, dropdown entries): only controls and length matter."""
    return _clip(_TAG.sub("<\u200b", _CONTROL.sub("", text).replace("\n", " ")), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class _Limits:
    lines: int  # lines shown per section
    chars: int  # characters per line, fact value or headline
    options: int  # entries per dropdown choice
    facts: int  # pairs per fact set


# Tried in order until the activity fits MAX_BYTES: most replies fit the first.
_BUDGETS = (_Limits(40, 600, 50, 30), _Limits(20, 300, 30, 20), _Limits(10, 160, 20, 12), _Limits(4, 100, 10, 8))


def _text(text: str, limit: int, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": escape(_clip(text, limit)), "wrap": True, **style}


def _submit(button: Button) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": plain(button.label, 60),
        "data": {"tp_action": button.action, "tp_value": dict(button.value)},
    }
    if button.style in _STYLE:
        action["style"] = _STYLE[button.style]
    return action


def _action_sets(buttons: tuple[Button, ...] | list[Button]) -> list[dict[str, Any]]:
    actions = [_submit(b) for b in buttons]
    return [{"type": "ActionSet", "actions": actions[i : i + MAX_ACTIONS]} for i in range(0, len(actions), MAX_ACTIONS)]


def _section(block: Section, lim: _Limits) -> list[dict[str, Any]]:
    out = [_text(block.title, lim.chars, weight="bolder", spacing="medium")] if block.title else []
    shown = block.lines[: lim.lines]
    out += [_text("• " + line, lim.chars, spacing="none") for line in shown]
    more = len(block.lines) - len(shown) + block.more
    if more:
        out.append(_text(f"… and {more} more", 40, spacing="none", isSubtle=True))
    return out


def _facts(block: Facts, lim: _Limits) -> list[dict[str, Any]]:
    pairs = block.pairs[: lim.facts]
    out: list[dict[str, Any]] = [
        {
            "type": "FactSet",
            "facts": [{"title": escape(_clip(k, 60)), "value": escape(_clip(v, lim.chars))} for k, v in pairs],
        }
    ]
    if len(block.pairs) > len(pairs):
        out.append(_text(f"… and {len(block.pairs) - len(pairs)} more", 40, spacing="none", isSubtle=True))
    return out


def _choice(block: Choice, index: int, lim: _Limits) -> list[dict[str, Any]]:
    out = [_text(block.question, lim.chars)]
    if len(block.options) <= MAX_ACTIONS:
        return out + _action_sets(block.options)
    # Too many for buttons: a dropdown and one submit; each entry carries its option's action and value.
    input_id = f"tp_choice_{index}"
    shown = block.options[: lim.options]
    choices = [
        {"title": plain(o.label, 120), "value": json.dumps([o.action, o.value], separators=(",", ":"))} for o in shown
    ]
    out.append(
        {
            "type": "Input.ChoiceSet",
            "id": input_id,
            "style": "compact",
            "choices": choices,
            "placeholder": "Pick one",
            "isRequired": True,
            "errorMessage": "Pick one first.",
        }
    )
    if len(block.options) > len(shown):
        out.append(
            _text(
                f"… and {len(block.options) - len(shown)} more: say it again with a more exact name.", 80, isSubtle=True
            )
        )
    submit = {
        "type": "Action.Submit",
        "title": "Choose",
        "style": "positive",
        "data": {"tp_action": CHOOSE, "tp_input": input_id},
    }
    return [*out, {"type": "ActionSet", "actions": [submit]}]


def _card(reply: Reply, lim: _Limits) -> dict[str, Any]:
    body = [_text(reply.headline, max(lim.chars, 300), weight="bolder", size="medium", color=_COLOR[reply.tone])]
    for index, block in enumerate(reply.blocks):
        if isinstance(block, Section):
            body += _section(block, lim)
        elif isinstance(block, Facts):
            body += _facts(block, lim)
        elif isinstance(block, Choice):
            body += _choice(block, index, lim)
    card: dict[str, Any] = {"$schema": SCHEMA, "type": "AdaptiveCard", "version": VERSION, "body": body}
    if 0 < len(reply.actions) <= MAX_ACTIONS:
        card["actions"] = [_submit(b) for b in reply.actions]
    elif reply.actions:
        body += _action_sets(reply.actions)
    card["fallbackText"] = escape(_clip(render_text(reply), 2000))
    return card


def _activity(card: dict[str, Any], reply: Reply) -> dict[str, Any]:
    # No `text` beside the card: Teams would show it above the card as a second copy of the headline.
    # `summary` is what notifications and clients without card support show instead.
    return {
        "type": "message",
        "summary": plain(reply.headline, 200),
        "textFormat": "plain",
        "attachments": [{"contentType": CARD_TYPE, "content": card}],
    }


def size_of(activity: dict[str, Any]) -> int:
    """Bytes on the wire, counted as the SDK sends them: non-ASCII as \\uXXXX escapes (up to 6 bytes a char)."""
    return len(json.dumps(activity))


def render_activity(reply: Reply) -> dict[str, Any]:
    """A message Activity carrying the reply as an Adaptive Card, cut to fit Teams' message size limit."""
    for lim in _BUDGETS:
        activity = _activity(_card(reply, lim), reply)
        if size_of(activity) <= MAX_BYTES:
            return activity
    # Still too big (a reply with hundreds of blocks): say so rather than have Teams drop the message.
    cut = Reply(
        reply.headline,
        (Section(None, ("This answer is too long for Teams; ask about one account.",)),),
        tone=reply.tone,
    )
    return _activity(_card(cut, _BUDGETS[-1]), cut)


def render_card(reply: Reply) -> dict[str, Any]:
    """The Adaptive Card alone (for updates and tests)."""
    card: dict[str, Any] = render_activity(reply)["attachments"][0]["content"]
    return card


def read_submit(value: object) -> tuple[str, dict[str, str]] | None:
    """A card submit's `value` -> (action, value), or None when it isn't one of our cards' submits."""
    if not isinstance(value, dict) or not isinstance(value.get("tp_action"), str):
        return None
    action, data = value["tp_action"], value.get("tp_value")
    if action == CHOOSE:  # the picked dropdown entry carries the real action and value
        try:
            action, data = json.loads(str(value.get(str(value.get("tp_input")), "")))
        except (ValueError, TypeError):
            return None
        if not isinstance(action, str):
            return None
    if not isinstance(data, dict):
        return None
    return action, {str(k): str(v) for k, v in data.items()}
