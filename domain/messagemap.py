"""Message maps: what to say to which persona at which buying stage, and the content assets that say it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from domain.buying import Stage
from domain.listening import TouchFamily

DEFAULT_MESSAGE_MAP_PATH = Path(__file__).parent / "data" / "message_maps.yaml"

# The entry used for a persona the map does not cover (or a contact whose title matched no persona).
GENERIC_PERSONA = "generic"

ASSET_KINDS: frozenset[str] = frozenset({
    "case_study", "roi_calculator", "whitepaper", "ebook", "report", "analyst_report", "guide",
    "checklist", "assessment", "template", "playbook", "datasheet", "comparison", "demo", "trial",
    "video", "webinar", "event", "workshop", "training", "reference_call", "security_pack",
    "proposal", "community", "blog_post",
})


@dataclass(frozen=True)
class ContentAsset:
    id: str
    title: str
    kind: str  # one of ASSET_KINDS
    stages: tuple[Stage, ...]
    personas: tuple[str, ...]  # persona keys; empty means any persona
    url: str

    def serves(self, persona_key: str | None, stage: Stage) -> bool:
        fits_persona = not self.personas or persona_key in self.personas
        return stage in self.stages and fits_persona


@dataclass(frozen=True)
class MessageMapEntry:
    persona_key: str
    stage: Stage
    core_message: str
    supporting_points: tuple[str, ...]
    proof_points: tuple[str, ...]
    call_to_action: str
    assets: tuple[str, ...]  # ContentAsset ids, best first
    channel: TouchFamily


@dataclass(frozen=True)
class MessageMap:
    """All entries and the asset catalogue; entries are unique per (persona, stage)."""

    entries: tuple[MessageMapEntry, ...]
    assets: tuple[ContentAsset, ...] = ()
    _by_key: dict[tuple[str, Stage], MessageMapEntry] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    _assets_by_id: dict[str, ContentAsset] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        # Canonical order (personas as first seen, stages in buying order) so equal maps compare equal
        # however their file was laid out, and a dump loads back to the same value.
        first_seen = {k: i for i, k in reversed(list(enumerate(e.persona_key for e in self.entries)))}
        ordered = sorted(self.entries, key=lambda e: (first_seen[e.persona_key], e.stage.rank))
        object.__setattr__(self, "entries", tuple(ordered))
        for e in self.entries:
            if (e.persona_key, e.stage) in self._by_key:
                raise ValueError(f"duplicate message map entry for {e.persona_key} / {e.stage}")
            self._by_key[(e.persona_key, e.stage)] = e
        self._assets_by_id.update((a.id, a) for a in self.assets)

    def entry(self, persona_key: str | None, stage: Stage) -> MessageMapEntry | None:
        """The entry for this persona and stage, else the generic persona's entry for the stage."""
        if persona_key is not None and (persona_key, stage) in self._by_key:
            return self._by_key[(persona_key, stage)]
        return self._by_key.get((GENERIC_PERSONA, stage))

    def asset(self, asset_id: str) -> ContentAsset | None:
        return self._assets_by_id.get(asset_id)

    def assets_for(self, entry: MessageMapEntry, exclude: frozenset[str] = frozenset()) -> tuple[ContentAsset, ...]:
        """The entry's recommended assets in order, minus those already sent (ids in exclude)."""
        found = (self._assets_by_id.get(i) for i in entry.assets if i not in exclude)
        return tuple(a for a in found if a is not None)

    @property
    def persona_keys(self) -> frozenset[str]:
        return frozenset(k for k, _ in self._by_key)
