"""Neutral replies: what a handler answers, rendered per platform (Block Kit, Adaptive Cards, plain text).

Every string here is plain text, user words included; renderers escape it for their platform.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Tone(StrEnum):
    INFO = "info"
    SUCCESS = "success"
    QUESTION = "question"
    ERROR = "error"


@dataclass(frozen=True)
class Button:
    """An action the rep can take; `action` names an action handler, `value` carries its ids."""

    label: str
    action: str
    value: dict[str, str] = field(default_factory=dict)
    style: str | None = None  # "primary" or "danger"


@dataclass(frozen=True)
class Section:
    """A titled list of lines (details under the headline)."""

    title: str | None
    lines: tuple[str, ...] = ()
    more: int = 0  # how many further lines were cut to keep the reply short


@dataclass(frozen=True)
class Facts:
    """Label/value pairs (stage, health, owner...)."""

    pairs: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Choice:
    """One question with its options: buttons on Slack/Teams, numbered choices in the console."""

    question: str
    options: tuple[Button, ...]


Block = Section | Facts | Choice


@dataclass(frozen=True)
class Reply:
    headline: str
    blocks: tuple[Block, ...] = ()
    actions: tuple[Button, ...] = ()
    tone: Tone = Tone.INFO

    @property
    def choices(self) -> tuple[Button, ...]:
        """Every option of every choice, then the actions: what a console numbers."""
        found: list[Button] = []
        for block in self.blocks:
            if isinstance(block, Choice):
                found.extend(block.options)
        return (*found, *self.actions)


def error(message: str) -> Reply:
    return Reply(headline=message, tone=Tone.ERROR)


def section(title: str | None, lines: list[str], *, limit: int = 8) -> Section:
    """A section showing at most `limit` lines, counting the rest as "and N more"."""
    return Section(title, tuple(lines[:limit]), max(0, len(lines) - limit))


class AskBack(Exception):
    """A handler cannot go on without the rep's answer: the dispatcher replies with this question."""

    def __init__(self, question: Reply) -> None:
        super().__init__(question.headline)
        self.question = question


class Repeated(Exception):
    """The delivery was processed before (a Slack retry, a Teams re-send): nothing more was written; the
    dispatcher answers with `reply`."""

    def __init__(self, reply: Reply | None = None) -> None:
        self.reply = reply or Reply("Already done.", tone=Tone.INFO)
        super().__init__(self.reply.headline)
