"""Block Kit rendering of neutral replies, inside Slack's limits, with every user word escaped.

Slack parses `<...>` in mrkdwn and in the `text` fallback as mentions and links, so `&`, `<` and `>` in
anything a user could have typed are escaped; `plain_text` objects (button labels) are not parsed and
are left as they are.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from bot.render.text import safe
from bot.replies import Button, Choice, Facts, Reply, Section, Tone

MAX_BLOCKS = 50  # per message
MAX_VIEW_BLOCKS = 100  # App Home and modals
MAX_TEXT = 3000  # section text
MAX_FIELD = 2000  # each section field
MAX_FIELDS = 10  # fields per section
MAX_ELEMENTS = 25  # elements per actions block
MAX_BUTTON_TEXT = 75
MAX_VALUE = 2000
MAX_FALLBACK = 3000  # Slack cuts long fallbacks in notifications anyway
ACTION_PREFIX = "tp:"
SHARE_ACTION = "share"

_MARK = {Tone.SUCCESS: ":white_check_mark: ", Tone.ERROR: ":warning: ", Tone.QUESTION: ":question: ", Tone.INFO: ""}
_PARTIAL_ENTITY = re.compile(r"&[a-z]*$")

Json = dict[str, Any]


def escape(text: str) -> str:
    """Slack's three control characters, so user words can never become a ping or a disguised link."""
    return safe(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(escaped: str, limit: int) -> str:
    """Cut already-escaped text to `limit` characters without splitting an `&amp;` entity."""
    if len(escaped) <= limit:
        return escaped
    return _PARTIAL_ENTITY.sub("", escaped[: limit - 1]) + "…"


def encode_value(button: Button) -> str:
    """The button's action and ids as compact JSON: the only thing Slack sends back on a click."""
    value = json.dumps({"a": button.action, "v": button.value}, separators=(",", ":"), ensure_ascii=False)
    if len(value) > MAX_VALUE:  # a handler bug, not user input: fail loudly rather than drop the button
        raise ValueError(f"button value for {button.action!r} is {len(value)} characters; Slack takes {MAX_VALUE}")
    return value


def decode_value(raw: str) -> tuple[str, dict[str, str]]:
    """The inverse of encode_value; raises ValueError on anything that is not one of our buttons."""
    data = json.loads(raw)
    if not isinstance(data, dict) or not isinstance(data.get("a"), str) or not isinstance(data.get("v", {}), dict):
        raise ValueError("not a Touchpoint button value")
    return data["a"], {str(k): str(v) for k, v in data.get("v", {}).items()}


def render_slack(reply: Reply, *, shareable: bool = False, share_value: Mapping[str, str] | None = None) -> Json:
    """A chat message: {"text": fallback, "blocks": [...]}, at most 50 blocks."""
    extra = (Button("Share in channel", SHARE_ACTION, dict(share_value or {})),) if shareable else ()
    return {"text": fallback(reply), "blocks": render_blocks(reply, extra_actions=extra, max_blocks=MAX_BLOCKS)}


def render_blocks(reply: Reply, *, extra_actions: tuple[Button, ...] = (), max_blocks: int = MAX_BLOCKS,
                  counter: Iterator[int] | None = None) -> list[Json]:
    """The reply's blocks; the headline and the action buttons always survive a cut of the middle."""
    counter = counter or itertools.count()  # action_ids must be unique within a message or view
    head = [_mrkdwn(f"{_MARK[reply.tone]}*{escape(reply.headline)}*")]
    body: list[Json] = []
    for block in reply.blocks:
        if isinstance(block, Facts) and block.pairs:
            body += _facts(block)
        elif isinstance(block, Section):
            body.append(_section(block))
        elif isinstance(block, Choice):
            body.append(_mrkdwn(escape(block.question)))
            body += _actions(block.options, counter)
    foot = _actions((*reply.actions, *extra_actions), counter)
    room = max_blocks - len(head) - len(foot)
    if len(body) > room:
        cut = len(body) - room + 1
        body = [*body[: room - 1], _context(f"… and {cut} more not shown")]
    return [*head, *body, *foot]


def fallback(reply: Reply) -> str:
    """Plain text for notifications and clients without Block Kit (still escaped: Slack parses it)."""
    lines = [reply.headline]
    for block in reply.blocks:
        if isinstance(block, Facts):
            lines += [f"{k}: {v}" for k, v in block.pairs]
        elif isinstance(block, Section):
            lines += ([block.title] if block.title else []) + [f"• {line}" for line in block.lines]
        elif isinstance(block, Choice):
            lines.append(block.question + " " + ", ".join(o.label for o in block.options))
    return clip(escape("\n".join(lines)), MAX_FALLBACK)


def button(b: Button, index: int) -> Json:
    element: Json = {
        "type": "button",
        "action_id": f"{ACTION_PREFIX}{b.action}:{index}",
        "text": {"type": "plain_text", "text": _label(b.label), "emoji": True},
        "value": encode_value(b),
    }
    if b.style in ("primary", "danger"):
        element["style"] = b.style
    return element


def _label(text: str) -> str:
    text = safe(text).strip() or "…"
    return text if len(text) <= MAX_BUTTON_TEXT else text[: MAX_BUTTON_TEXT - 1] + "…"


def _actions(buttons: Iterable[Button], counter: Iterable[int]) -> list[Json]:
    elements = [button(b, i) for b, i in zip(buttons, counter, strict=False)]
    return [{"type": "actions", "elements": elements[i: i + MAX_ELEMENTS]}
            for i in range(0, len(elements), MAX_ELEMENTS)]


def _facts(facts: Facts) -> list[Json]:
    fields = [{"type": "mrkdwn", "text": clip(f"*{escape(k)}*\n{escape(v)}", MAX_FIELD)} for k, v in facts.pairs]
    return [{"type": "section", "fields": fields[i: i + MAX_FIELDS]} for i in range(0, len(fields), MAX_FIELDS)]


def _section(sec: Section) -> Json:
    """Title and bulleted lines in one block; what does not fit in 3000 characters becomes "and N more"."""
    out = f"*{escape(sec.title)}*" if sec.title else ""
    lines = [clip("• " + escape(line), MAX_TEXT - 100) for line in sec.lines]
    shown = 0
    for line in lines:
        if len(out) + len(line) + 1 > MAX_TEXT - 40:  # keep room for the "and N more" line
            break
        out = f"{out}\n{line}" if out else line
        shown += 1
    more = sec.more + len(lines) - shown
    if more:
        out += f"\n_… and {more:,} more_"
    return _mrkdwn(out or "…")


def _mrkdwn(text: str) -> Json:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, MAX_TEXT)}}


def _context(text: str) -> Json:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,30}$")


def render_shared(reply: Reply, *, by_user: str) -> Json:
    """A reply shared in a channel: no buttons (they act for the rep who asked), and who shared it."""
    quiet = Reply(reply.headline, tuple(b for b in reply.blocks if not isinstance(b, Choice)), tone=reply.tone)
    blocks = render_blocks(quiet, max_blocks=MAX_BLOCKS - 1)
    if _USER_ID.match(by_user):  # an id from Slack's signed payload; checked anyway since it becomes a mention
        blocks.append(_context(f"Shared by <@{by_user}>"))
    return {"text": fallback(quiet), "blocks": blocks}


def render_home(replies: Sequence[Reply], *, notice: Reply | None = None) -> Json:
    """The App Home view: the answers of a few commands, one under the other, within 100 blocks."""
    counter = itertools.count()
    blocks: list[Json] = [{"type": "header", "text": {"type": "plain_text", "text": "Touchpoint"}}]
    if notice is not None:  # what the last Home button did
        blocks.append(_context(f"{_MARK[notice.tone]}{clip(escape(notice.headline), MAX_TEXT - 20)}"))
    for reply in replies:
        part = render_blocks(reply, max_blocks=MAX_BLOCKS, counter=counter)
        if len(blocks) + len(part) + 1 > MAX_VIEW_BLOCKS:
            blocks.append(_context("… more in `/digest` and `/goals`"))
            break
        blocks += [{"type": "divider"}, *part]
    return {"type": "home", "blocks": blocks}
