"""The command registry: the one list of commands every adapter (and the Slack/Teams manifests) exposes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.context import Request, Services
from bot.replies import Reply

Handler = Callable[[Request, Services], Reply]
ActionHandler = Callable[[Request, dict[str, str], Services], Reply]
PlainRule = Callable[[Request, Services, "re.Match[str]"], Reply]


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    summary: str
    handler: Handler
    slash: bool = True  # exposed as a Slack slash command and a Teams bot command


def _specs() -> tuple[CommandSpec, ...]:
    from bot.handlers import account, digest, dmu, goals, help, log, next_step, pipeline, stage, undo

    return (
        CommandSpec("log", "log NOTE", "Log a call, meeting or signal in plain words", log.handle),
        CommandSpec("account", "account NAME", "One-screen overview of an account", account.handle),
        CommandSpec("dmu", "dmu NAME", "The buying group: people, roles, attitudes, gaps", dmu.handle),
        CommandSpec("stage", "stage NAME", "Buying stage with its evidence", stage.handle),
        CommandSpec("next", "next NAME [PERSON]", "What to do next, with whom, and why", next_step.handle),
        CommandSpec("digest", "digest", "Your briefing: due steps, changes, risks", digest.handle),
        CommandSpec("goals", "goals", "Goals vs actuals for this period", goals.handle),
        CommandSpec("pipeline", "pipeline", "Your accounts by buying stage", pipeline.handle, slash=False),
        CommandSpec("undo", "undo", "Undo your last log", undo.handle, slash=False),
        CommandSpec("edit", "edit NOTE", "Replace your last log with a corrected note", log.handle_edit, slash=False),
        CommandSpec("help", "help", "What I can do", help.handle, slash=False),
    )


_COMMANDS: tuple[CommandSpec, ...] | None = None


def commands() -> tuple[CommandSpec, ...]:
    global _COMMANDS  # built lazily: the handlers import the registry for help text
    if _COMMANDS is None:
        _COMMANDS = _specs()
    return _COMMANDS


def find(name: str) -> CommandSpec | None:
    return next((c for c in commands() if c.name == name.lower()), None)


def actions() -> dict[str, ActionHandler]:
    from bot.handlers import choose, digest, log, next_step, undo

    return {
        "log.undo": undo.handle_action,
        "log.edit": log.edit_action,
        "log.pick_account": choose.pick_account,
        "log.pick_person": choose.pick_person,
        "log.create_account": choose.create_account,
        "log.cancel": choose.cancel,
        "show": choose.show,
        "step.done": next_step.mark_done,
        "digest.settings": digest.settings_action,
    }


def plain_rules() -> tuple[tuple[re.Pattern[str], PlainRule], ...]:
    """Sentences that edit the buying group ("Jane Doe is the economic buyer") rather than log a call."""
    from bot.handlers import dmu_edit

    return (
        (dmu_edit.PLAIN_ROLE, lambda req, svc, m: dmu_edit.set_role(req, svc, m["name"], m["role"])),
        (dmu_edit.PLAIN_ATTITUDE, dmu_edit.plain_attitude),
    )
