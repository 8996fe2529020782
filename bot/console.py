"""The console adapter: chat with the bot in a terminal, through the same dispatcher as Slack and Teams."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from bot.context import Actor
from bot.dispatcher import Dispatcher
from bot.render.text import render_text
from bot.replies import Button, Reply

Clock = Callable[[], datetime]
BYE = {"quit", "exit", "bye", ":q"}


class ConsoleSession:
    """One rep's conversation: remembers the last numbered choices so "1" answers them."""

    def __init__(self, dispatcher: Dispatcher, actor: Actor, clock: Clock | None = None) -> None:
        self.dispatcher = dispatcher
        self.actor = actor
        self.clock = clock or (lambda: datetime.now(UTC))
        self._choices: tuple[Button, ...] = ()

    def say(self, text: str) -> str:
        picked = self._picked(text)
        if picked is not None:
            reply = self.dispatcher.handle_action(picked.action, picked.value, actor=self.actor, now=self.clock())
        else:
            reply = self.dispatcher.handle_text(text, actor=self.actor, now=self.clock())
        return self._remember(reply)

    def _picked(self, text: str) -> Button | None:
        word = text.strip()
        if word.isdigit() and 1 <= int(word) <= len(self._choices):
            return self._choices[int(word) - 1]
        return None

    def _remember(self, reply: Reply) -> str:
        self._choices = reply.choices
        return render_text(reply)


def _lines(history: Path | None) -> Iterator[str]:
    """Lines typed at a prompt with editing and history, or read from a pipe."""
    if not sys.stdin.isatty():
        yield from (line.rstrip("\n") for line in sys.stdin)
        return
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory, InMemoryHistory

    if history is not None:
        history.parent.mkdir(parents=True, exist_ok=True)
    session: PromptSession[str] = PromptSession(history=FileHistory(str(history)) if history else InMemoryHistory())
    while True:
        try:
            yield session.prompt("you › ")
        except (EOFError, KeyboardInterrupt):
            return


def run_chat(session: ConsoleSession, *, history: Path | None, out: Callable[[str], None] = print) -> None:
    out("Touchpoint — type `help`, or just write what happened on your call. `quit` to leave.")
    for line in _lines(history):
        if line.strip().lower() in BYE:
            break
        if line.strip():
            out(session.say(line))
