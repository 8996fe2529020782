"""digest — your briefing: due and overdue steps, stage changes, new risks, gaps, quiet accounts.

Settings: `digest settings 7:45 weekdays`, `digest settings 8am mon-thu`, `digest off`, `digest on`,
`digest quiet skip` (send nothing on a quiet day) or `digest quiet show`.
"""

from __future__ import annotations

from dataclasses import replace

from bot.context import Request, Services, claim
from bot.digest_content import gather, render
from bot.replies import Button, Reply, Tone, section
from domain.digest import build_digest
from domain.errors import InvalidInput
from domain.schedule import describe, parse_settings
from domain.tenancy import Rep
from storage.uow import SqlUnitOfWork


def handle(req: Request, svc: Services) -> Reply:
    words = req.text.lower().split() if req.reading is None else []
    if words and words[0] in SETTINGS:
        return SETTINGS[words[0]](req, svc, " ".join(words[1:]))
    with svc.uow(req.actor.workspace_id) as uow:
        facts = gather(uow, rep_id=req.actor.user_id, tz=req.actor.tz, now=req.now, since=None)
    return render(build_digest(facts))


def _rep(uow: SqlUnitOfWork, req: Request) -> Rep:
    return uow.reps.get(req.actor.user_id) or Rep(req.actor.user_id, req.actor.name or req.actor.user_id,
                                                   req.actor.tz)


def _save(req: Request, svc: Services, change: dict[str, object]) -> Reply:
    with svc.uow(req.actor.workspace_id) as uow:
        claim(uow, req)
        rep = replace(_rep(uow, req), **change)  # type: ignore[arg-type]
        uow.reps.upsert(rep)
        uow.commit()
    return Reply(f"Digest: {describe(rep)}.", tone=Tone.SUCCESS)


def _settings(req: Request, svc: Services, args: str) -> Reply:
    if not args:
        with svc.uow(req.actor.workspace_id) as uow:
            rep = _rep(uow, req)
        return Reply(f"Digest: {describe(rep)}", (section(None, ["Or type `digest settings 7:45 weekdays`."]),),
                     actions=_setting_buttons(rep))
    at, days = parse_settings(args)
    change: dict[str, object] = {"digest_enabled": True, "tz": req.actor.tz}
    if at is not None:
        change["digest_time"] = at
    if days is not None:
        change["digest_days"] = days
    return _save(req, svc, change)


def _quiet(req: Request, svc: Services, args: str) -> Reply:
    if args not in ("skip", "show"):
        raise InvalidInput("Use `digest quiet skip` (nothing on quiet days) or `digest quiet show` (one line).")
    return _save(req, svc, {"digest_skip_quiet": args == "skip"})


def _setting_buttons(rep: Rep) -> tuple[Button, ...]:
    """One tap changes a setting (Slack App Home, Teams cards, numbered in the console)."""
    def button(label: str, words: str) -> Button:
        return Button(label, "digest.settings", {"words": words})

    times = [button(t, f"settings {t}") for t in ("7:30", "8:30", "9:00") if rep.digest_time.strftime("%-H:%M") != t]
    return (
        button("Turn off", "off") if rep.digest_enabled else button("Turn on", "on"),
        *times,
        button("Show quiet days", "quiet show") if rep.digest_skip_quiet else button("Skip quiet days", "quiet skip"),
    )


def settings_action(req: Request, value: dict[str, str], svc: Services) -> Reply:
    verb, _, rest = value.get("words", "").partition(" ")
    if verb not in SETTINGS:
        raise InvalidInput("That setting button is no longer supported.")
    return SETTINGS[verb](req, svc, rest)


SETTINGS = {
    "settings": _settings,
    "off": lambda req, svc, _args: _save(req, svc, {"digest_enabled": False}),
    "on": lambda req, svc, _args: _save(req, svc, {"digest_enabled": True}),
    "quiet": _quiet,
}
