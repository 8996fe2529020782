"""Writes the Teams app icons (color.png 192x192, outline.png 32x32) with the standard library only.

Run `python teams/make_icons.py` after changing the drawing; the generated PNGs are committed beside it.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

Pixel = tuple[int, int, int, int]
HERE = Path(__file__).resolve().parent
BLUE: Pixel = (31, 78, 121, 255)  # #1f4e79, the Slack app colour too
WHITE: Pixel = (255, 255, 255, 255)
CLEAR: Pixel = (0, 0, 0, 0)


def png(width: int, height: int, pixel: Callable[[int, int], Pixel]) -> bytes:
    """An 8-bit RGBA PNG: signature, IHDR, one IDAT (filter 0 on every row), IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b"")


def in_mark(x: float, y: float) -> bool:
    """The mark, in a unit square: a "T" (Touchpoint) over a dot (the point)."""
    bar = 0.18 <= y <= 0.32 and 0.18 <= x <= 0.82
    stem = 0.32 <= y <= 0.62 and 0.43 <= x <= 0.57
    dot = (x - 0.5) ** 2 + (y - 0.77) ** 2 <= 0.085**2
    return bar or stem or dot


def color_pixel(x: int, y: int) -> Pixel:
    # The symbol stays inside the central 96x96 safe area Teams asks for; the tile is the full 192x192.
    return WHITE if 48 <= x < 144 and 48 <= y < 144 and in_mark((x - 48) / 96, (y - 48) / 96) else BLUE


def outline_pixel(x: int, y: int) -> Pixel:
    # Teams wants the outline icon white on a transparent background.
    return WHITE if in_mark(x / 32, y / 32) else CLEAR


def main() -> None:
    (HERE / "color.png").write_bytes(png(192, 192, color_pixel))
    (HERE / "outline.png").write_bytes(png(32, 32, outline_pixel))


if __name__ == "__main__":
    main()
