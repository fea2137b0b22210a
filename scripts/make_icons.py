"""Draw Carnet's app icons (pwa/icons/*.png) with the standard library only.

The logo is a calendar page on the brand blue: two binding rings, an amber header band and a
grid of days, one of them ticked in amber. `icon-*.png` are rounded squares ("any" purpose);
`maskable-*.png` fill the square and keep the drawing inside the 80 % safe zone, so a
launcher may crop them to any shape. Run `python scripts/make_icons.py` after a change.
"""

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "pwa" / "icons"

RGBA = tuple[int, int, int, int]
BLUE: RGBA = (31, 78, 121, 255)
DARK: RGBA = (16, 42, 67, 255)
WHITE: RGBA = (255, 255, 255, 255)
AMBER: RGBA = (242, 165, 65, 255)
PALE: RGBA = (207, 222, 236, 255)
CLEAR: RGBA = (0, 0, 0, 0)


def in_rounded(x: float, y: float, box: tuple[float, float, float, float], r: float) -> bool:
    """Whether (x, y) is inside the rectangle `box` (x0, y0, x1, y1) with corner radius r."""
    x0, y0, x1, y1 = box
    if not (x0 <= x <= x1 and y0 <= y <= y1):
        return False
    cx = min(max(x, x0 + r), x1 - r)
    cy = min(max(y, y0 + r), y1 - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def logo(maskable: bool) -> Callable[[float, float], RGBA]:
    """The colour at a point of the unit square."""
    scale = 0.78 if maskable else 1.0  # drawing inside the maskable safe zone

    def at(x: float, y: float) -> RGBA:
        if not maskable and not in_rounded(x, y, (0, 0, 1, 1), 0.22):
            return CLEAR
        # Drawing coordinates: the content is scaled around the centre for maskable icons.
        u = 0.5 + (x - 0.5) / scale
        v = 0.5 + (y - 0.5) / scale
        page = (0.2, 0.27, 0.8, 0.8)
        for ring_x in (0.35, 0.61):
            if in_rounded(u, v, (ring_x, 0.19, ring_x + 0.05, 0.34), 0.025):
                return DARK
        if in_rounded(u, v, page, 0.07):
            if v < 0.4:
                return AMBER
            for row in range(3):
                for col in range(4):
                    x0 = 0.27 + col * 0.12
                    y0 = 0.45 + row * 0.11
                    if in_rounded(u, v, (x0, y0, x0 + 0.09, y0 + 0.08), 0.015):
                        return AMBER if (row, col) == (1, 2) else PALE if row == 2 else BLUE
            return WHITE
        return BLUE

    return at


def render(size: int, colour: Callable[[float, float], RGBA]) -> bytes:
    """Rasterise with 4×4 supersampling where a pixel's corners disagree (edges only)."""
    corners = [[colour(i / size, j / size) for i in range(size + 1)] for j in range(size + 1)]
    rows = []
    for j in range(size):
        row = bytearray([0])  # filter type 0 (None)
        for i in range(size):
            c = {corners[j][i], corners[j][i + 1], corners[j + 1][i], corners[j + 1][i + 1]}
            if len(c) == 1:
                row.extend(c.pop())
                continue
            samples = [
                colour((i + (a + 0.5) / 4) / size, (j + (b + 0.5) / 4) / size)
                for a in range(4)
                for b in range(4)
            ]
            alpha = sum(s[3] for s in samples)
            if alpha == 0:
                row.extend(CLEAR)
                continue
            rgb = [round(sum(s[k] * s[3] for s in samples) / alpha) for k in range(3)]
            row.extend([*rgb, round(alpha / len(samples))])
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size, maskable in [
        ("icon-192.png", 192, False),
        ("icon-512.png", 512, False),
        ("maskable-192.png", 192, True),
        ("maskable-512.png", 512, True),
    ]:
        (OUT / name).write_bytes(render(size, logo(maskable)))
        print(f"{OUT / name} ({size}×{size})")


if __name__ == "__main__":
    main()
