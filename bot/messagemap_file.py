"""The message-map YAML file marketing owns: load it with every error's line number, and dump it back."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped, unused-ignore]
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from domain.buying import Stage
from domain.listening import TouchFamily
from domain.messagemap import (
    ASSET_KINDS,
    DEFAULT_MESSAGE_MAP_PATH,
    GENERIC_PERSONA,
    ContentAsset,
    MessageMap,
    MessageMapEntry,
)
from domain.personas import load_personas

Text = Field(min_length=1)


class MessageMapFileError(ValueError):
    """Everything wrong with a message-map file, each as "line N: message"."""

    def __init__(self, errors: list[str], source: str | None = None) -> None:
        self.errors = errors
        self.source = source
        super().__init__("\n".join(f"{source}: {e}" if source else e for e in errors))


class _Asset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Text
    kind: str
    stages: list[Stage] = Field(min_length=1)
    personas: list[str] = []
    url: str = Field(pattern=r"^https?://\S+$")

    @field_validator("kind")
    @classmethod
    def _known_kind(cls, kind: str) -> str:
        if kind not in ASSET_KINDS:
            raise ValueError(f"unknown asset kind {kind!r} (one of: {', '.join(sorted(ASSET_KINDS))})")
        return kind


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")
    core_message: str = Text
    supporting_points: list[str] = Field(min_length=2, max_length=3)  # "two or three", per the domain
    proof_points: list[str]
    call_to_action: str = Text
    assets: list[str]
    channel: TouchFamily


_STAGES = frozenset(s.value for s in Stage)


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1


class _Reader:
    """Walks the composed YAML nodes, so every value keeps the line it came from."""

    def __init__(self, persona_keys: frozenset[str]) -> None:
        self.persona_keys = persona_keys
        self.errors: list[tuple[int, str]] = []
        self._scalars = yaml.constructor.SafeConstructor()

    def error(self, node: Any, message: str) -> None:
        self.errors.append((_line(node), message))

    def mapping(self, node: Any, where: str) -> list[tuple[Any, Any]]:
        """The (key node, value node) pairs of a mapping; duplicate or non-string keys are errors."""
        if not isinstance(node, yaml.MappingNode):
            self.error(node, f"{where}: expected a mapping")
            return []
        seen: set[str] = set()
        pairs = []
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode):
                self.error(key, f"{where}: keys must be plain words")
            elif key.value in seen:
                self.error(key, f"{where}: duplicate key {key.value!r}")
            else:
                seen.add(key.value)
                pairs.append((key, value))
        return pairs

    def python(self, node: Any, where: str) -> Any:
        if isinstance(node, yaml.MappingNode):
            return {k.value: self.python(v, f"{where}.{k.value}") for k, v in self.mapping(node, where)}
        if isinstance(node, yaml.SequenceNode):
            return [self.python(item, where) for item in node.value]
        return self._scalars.construct_object(node)

    def validate(self, model: type[BaseModel], node: Any, key: Any, where: str) -> Any:
        try:
            return model.model_validate(self.python(node, where))
        except ValidationError as exc:
            for err in exc.errors():
                found = _node_at(node, err["loc"])
                at = found if found is not None else key  # a missing field: point at its parent key
                field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
                message = str(err["msg"]).removeprefix("Value error, ")
                self.error(at, f"{where}{field}: {message}")
            return None

    def assets(self, node: Any) -> tuple[list[ContentAsset], set[str]]:
        """The valid assets, and every id the file declares (so a broken asset is not also "unknown")."""
        valid: list[ContentAsset] = []
        ids: set[str] = set()
        if not isinstance(node, yaml.SequenceNode):
            self.error(node, "assets: expected a list")
            return valid, ids
        for i, item in enumerate(node.value):
            where = f"assets[{i}]"
            id_node = _node_at(item, ("id",))
            if isinstance(id_node, yaml.ScalarNode):
                if id_node.value in ids:
                    self.error(id_node, f"{where}: duplicate asset id {id_node.value!r}")
                ids.add(id_node.value)
            for p_node in _scalars(item, "personas"):
                if p_node.value not in self.persona_keys:
                    self.error(p_node, f"{where}: unknown persona {p_node.value!r}")
            a = self.validate(_Asset, item, item, where)
            if a is not None:
                valid.append(ContentAsset(a.id, a.title, a.kind, tuple(a.stages), tuple(a.personas), a.url))
        return valid, ids

    def entries(self, node: Any, asset_ids: set[str]) -> list[MessageMapEntry]:
        out: list[MessageMapEntry] = []
        for p_key, p_node in self.mapping(node, "messages"):
            persona = p_key.value
            if persona not in self.persona_keys:
                self.error(p_key, f"unknown persona {persona!r} (see personas.toml, or use {GENERIC_PERSONA!r})")
            for s_key, s_node in self.mapping(p_node, f"messages.{persona}"):
                where = f"messages.{persona}.{s_key.value}"
                if s_key.value not in _STAGES:
                    self.error(s_key, f"{where}: unknown stage (one of: {', '.join(Stage)})")
                    continue
                for a_node in _scalars(s_node, "assets"):
                    if a_node.value not in asset_ids:
                        self.error(a_node, f"{where}: unknown asset id {a_node.value!r}")
                e = self.validate(_Entry, s_node, s_key, where)
                if e is not None:
                    out.append(MessageMapEntry(
                        persona, Stage(s_key.value), e.core_message, tuple(e.supporting_points),
                        tuple(e.proof_points), e.call_to_action, tuple(e.assets), e.channel,
                    ))
        return out


def _node_at(node: Any, loc: Iterable[int | str]) -> Any:
    """The node a pydantic error location points to, or None when it is missing."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return None
        if node is None:
            return None
    return node


def _scalars(node: Any, key: str) -> list[Any]:
    """The scalar item nodes of the list under key; anything else is left to validation to report."""
    found = _node_at(node, (key,))
    items = found.value if isinstance(found, yaml.SequenceNode) else []
    return [i for i in items if isinstance(i, yaml.ScalarNode)]


def load_message_map_text(text: str, persona_keys: Iterable[str] | None = None) -> MessageMap:
    """Parse and check a message map; raise MessageMapFileError listing every problem found."""
    keys = frozenset(persona_keys if persona_keys is not None else (p.key for p in load_personas()))
    reader = _Reader(keys | {GENERIC_PERSONA})
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise MessageMapFileError([f"line {mark.line + 1 if mark else 1}: {exc.problem or exc}"]) from exc
    if root is None:
        raise MessageMapFileError(["line 1: the file is empty (expected 'assets' and 'messages')"])
    sections = {k.value: (k, v) for k, v in reader.mapping(root, "file")}
    for name, (key, _) in sections.items():
        if name not in ("assets", "messages"):
            reader.error(key, f"unknown section {name!r} (expected 'assets' and 'messages')")
    if "messages" not in sections:
        reader.errors.append((1, "missing section 'messages'"))
    assets, asset_ids = reader.assets(sections["assets"][1]) if "assets" in sections else ([], set())
    entries = reader.entries(sections["messages"][1], asset_ids) if "messages" in sections else []
    if reader.errors:
        raise MessageMapFileError([f"line {n}: {m}" for n, m in sorted(reader.errors, key=lambda e: e[0])])
    return MessageMap(tuple(entries), tuple(assets))


def load_message_map_file(path: Path, persona_keys: Iterable[str] | None = None) -> MessageMap:
    try:
        return load_message_map_text(path.read_text(encoding="utf-8"), persona_keys)
    except MessageMapFileError as exc:
        raise MessageMapFileError(exc.errors, source=str(path)) from None


@lru_cache(maxsize=1)
def default_message_map() -> MessageMap:
    """The message map shipped with the product."""
    return load_message_map_file(DEFAULT_MESSAGE_MAP_PATH)


def dump_message_map(mm: MessageMap) -> str:
    """YAML in the file's own format, that loads back to an equal MessageMap."""
    assets = [
        {"id": a.id, "title": a.title, "kind": a.kind, "stages": [str(s) for s in a.stages],
         "personas": list(a.personas), "url": a.url}
        for a in mm.assets
    ]
    messages: dict[str, dict[str, Any]] = {}
    for e in mm.entries:
        messages.setdefault(e.persona_key, {})[str(e.stage)] = {
            "core_message": e.core_message, "supporting_points": list(e.supporting_points),
            "proof_points": list(e.proof_points), "call_to_action": e.call_to_action,
            "assets": list(e.assets), "channel": str(e.channel),
        }
    doc = {"assets": assets, "messages": messages}
    return str(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120))
