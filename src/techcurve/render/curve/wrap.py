"""Text wrapping for the curve: sub-field labels in balanced lines, the source line.

Widths are counted in em: a CJK (wide or full-width) character is 1 em, any other
≈ 0.55 em, close enough to the bundled font to decide where a line breaks.
"""

from __future__ import annotations

import re

from techcurve.render.fonts import text_width


def _chunks(text: str, max_em: float) -> list[str]:
    """``text`` cut where a line may break: after '/' (keeping each '/'-part whole when it
    fits a line), else also between CJK characters, after spaces and before brackets."""
    if "/" in text:
        parts = text.split("/")
        out: list[str] = []
        for i, part in enumerate(parts):
            piece = part + ("/" if i < len(parts) - 1 else "")
            fits = text_width(piece) <= max_em
            out += [piece] if fits else _chunks(piece.replace("/", "\0"), max_em)
        return [c.replace("\0", "/") for c in out]
    chunks: list[str] = []
    cur = ""
    for i, c in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else ""
        cur += c
        wide = text_width(c) == 1.0 and c not in "（(【"
        if (
            c in " /、，,"
            or nxt in "（(【"
            or (wide and nxt and text_width(nxt) == 1.0 and nxt not in "）)】，、")
        ):
            chunks.append(cur)
            cur = ""
    if cur:
        chunks.append(cur)
    return chunks


def _pack(chunks: list[str], max_em: float) -> list[str]:
    lines: list[list[str]] = []
    line: list[str] = []
    for ch in chunks:
        if line and text_width("".join(line) + ch.rstrip()) > max_em:
            lines.append(line)
            line = [ch.lstrip()]
        else:
            line.append(ch)
    if line:
        lines.append(line)
    # no orphan: a last line under 2 em takes the previous line's last chunk
    if len(lines) > 1 and text_width("".join(lines[-1])) < 2 and len(lines[-2]) > 1:
        lines[-1].insert(0, lines[-2].pop())
    return ["".join(ln).strip() for ln in lines]


def wrap_label(text: str, max_em: float) -> str:
    """Wrap ``text`` into balanced lines of at most ``max_em`` em (CJK = 1 em, others ≈ 0.55).

    Breaks after '/' when every part fits a line (so "自然语言处理（NLP）/自然语言理解（NLU）"
    splits at the slash), else after spaces, '、', '，', between two CJK characters and
    before an opening bracket. Lines are balanced: no orphan character on the last line.
    """
    if text_width(text) <= max_em:
        return text
    chunks = _chunks(text, max_em)
    lines = _pack(chunks, max_em)
    width = max_em
    while width > 2:  # narrow the measure while the line count stays the same
        trial = _pack(chunks, width - 0.5)
        if any(text_width(t) > width - 0.5 for t in trial):
            break
        if len(trial) != len(lines):
            break
        lines, width = trial, width - 0.5
    return "\n".join(lines)


def wrap_source(text: str, max_em: float) -> str:
    """Break a long source line after '；' / '; ' (else anywhere) into lines of ``max_em``."""
    parts = re.split(r"(?<=；)|(?<=; )", text)
    lines: list[str] = []
    cur = ""
    for part in parts:
        if cur and text_width(cur + part) > max_em:
            lines.append(cur.rstrip())
            cur = ""
        while text_width(part) > max_em:  # one part longer than a line: hard break
            cut = len(part)
            while text_width(part[:cut]) > max_em:
                cut -= 1
            lines.append(part[:cut])
            part = part[cut:]
        cur += part
    if cur:
        lines.append(cur.rstrip())
    return "\n".join(lines)
