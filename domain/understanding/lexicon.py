"""The words the parser knows, kept as TOML data files that a marketing admin can extend."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from domain.understanding.text import fold

DEFAULT_DIR = Path(__file__).with_name("lexicons")
T = TypeVar("T")


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Admin additions extend lists, merge tables and replace single values."""
    out = dict(base)
    for key, value in extra.items():
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            out[key] = merge(old, value)
        elif isinstance(old, list) and isinstance(value, list):
            out[key] = old + value
        elif isinstance(old, str) and isinstance(value, str) and "\n" in old:
            out[key] = old + "\n" + value  # whitespace word lists
        else:
            out[key] = value
    return out


class Lexicon:
    """Merged lexicon files (one table per file stem) plus a cache of what modules compile from them."""

    def __init__(self, data: dict[str, dict[str, Any]]) -> None:
        self._data = data
        self._cache: dict[str, Any] = {}

    @classmethod
    def load(cls, lexicon_dirs: Iterable[str | Path] = ()) -> Lexicon:
        """The shipped lexicons, then each extra dir's files of the same name merged on top."""
        data: dict[str, dict[str, Any]] = {}
        for folder in (DEFAULT_DIR, *(Path(d) for d in lexicon_dirs)):
            for path in sorted(Path(folder).glob("*.toml")):
                with path.open("rb") as fh:
                    data[path.stem] = merge(data.get(path.stem, {}), tomllib.load(fh))
        return cls(data)

    @classmethod
    def default(cls) -> Lexicon:
        return _default()

    def section(self, file: str, key: str | None = None) -> Any:
        table: Any = self._data.get(file, {})
        return table if key is None else table.get(key, {})

    def words(self, file: str, key: str) -> list[str]:
        """A word list, written either as an array or as one whitespace-separated string, folded."""
        value = self._data.get(file, {}).get(key, [])
        items = value.split() if isinstance(value, str) else [str(v) for v in value]
        return [fold(v).strip() for v in items if str(v).strip()]

    def compiled(self, key: str, build: Callable[[Lexicon], T]) -> T:
        """Build once per lexicon what a module derives from it (regexes, sets)."""
        if key not in self._cache:
            self._cache[key] = build(self)
        result: T = self._cache[key]
        return result


@lru_cache(maxsize=1)
def _default() -> Lexicon:
    return Lexicon.load()
