"""Plain-text rendering for the console (and any text-only channel): numbered choices, no markup."""

from __future__ import annotations

import re

from bot.replies import Choice, Facts, Reply, Section, Tone

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")  # incl. bidi overrides

_MARK = {Tone.SUCCESS: "✓ ", Tone.ERROR: "✗ ", Tone.QUESTION: "? ", Tone.INFO: ""}


def safe(text: str) -> str:
    """User words can carry terminal escapes or bidi overrides: drop them before printing."""
    return _CONTROL.sub("", text)


def render_text(reply: Reply) -> str:
    out = [_MARK[reply.tone] + safe(reply.headline)]
    number = 0
    for block in reply.blocks:
        if isinstance(block, Facts):
            width = max(len(k) for k, _ in block.pairs) if block.pairs else 0
            out += [f"  {k.ljust(width)}  {safe(v)}" for k, v in block.pairs]
        elif isinstance(block, Section):
            if block.title:
                out.append(safe(block.title) + ":")
            out += [f"  • {safe(line)}" for line in block.lines]
            if block.more:
                out.append(f"  … and {block.more} more")
        elif isinstance(block, Choice):
            out.append(safe(block.question))
            for option in block.options:
                number += 1
                out.append(f"  {number}) {safe(option.label)}")
    for action in reply.actions:
        number += 1
        out.append(f"  [{number}] {safe(action.label)}")
    return "\n".join(out)
