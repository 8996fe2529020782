"""The plain-words parser: what a rep typed, read into a Reading the command layer acts on."""

from domain.understanding.directory import Directory
from domain.understanding.lexicon import Lexicon
from domain.understanding.parser import read_message
from domain.understanding.reading import (
    AccountKind,
    AccountReading,
    Intent,
    KnownAccount,
    KnownContact,
    NextStepReading,
    PersonReading,
    Reading,
    SignalReading,
    StageReading,
    TouchReading,
)

__all__ = [
    "AccountKind",
    "AccountReading",
    "Directory",
    "Intent",
    "KnownAccount",
    "KnownContact",
    "Lexicon",
    "NextStepReading",
    "PersonReading",
    "Reading",
    "SignalReading",
    "StageReading",
    "TouchReading",
    "read_message",
]
