"""What a scanned letter says about itself: its subject (the "Perihal" line), who wrote it ("Nama :" or
the signature), and its text without the noise OCR leaves (stray marks, scribbled signatures, margins).

Pure functions over the OCR text; nothing here reads files or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# OCR reads margins, folds and stamps as stray marks at the start or end of a line
_LEADING_JUNK = re.compile(r"^[\s|'\".,:;`~*_=+©®™•·“”‘’«»\-–—]+(?=[\w(])")
_TRAILING_JUNK = re.compile(r"(?<=[\w.,:;)])[\s|'\"`~*_=+©®™•·“”‘’«»\-–—]+$")
_SUBJECT = re.compile(r"^(?:perihal|hal)\s*[:;.]?\s+(?P<value>\S.*)$", re.IGNORECASE)
_NAME = re.compile(r"^nama(?:\s+(?:lengkap|pelapor|pengadu))?\s*[:;.]\s*(?P<value>\S.*)$", re.IGNORECASE)
_CLOSING = re.compile(r"^(?:hormat\s+(?:saya|kami)|salam\s+hormat|wassalam\w*)\b", re.IGNORECASE)
_NAME_LIKE = re.compile(r"^[A-Z][A-Za-z'.]*(?:\s+[A-Z][A-Za-z'.]*){0,5}$")
_VOWELS = set("aeiouAEIOU")
_NOT_NAMES = {"tembusan", "lampiran", "mengetahui", "pelapor", "pengadu", "tertanda", "ttd"}


@dataclass(frozen=True)
class LetterFields:
    subject: str | None  # the "Perihal" / "Hal" line, without the label
    name: str | None  # the "Nama :" line, else the name under the closing ("Hormat saya,")
    text: str  # the letter without OCR noise lines, for summaries and the classifier


def read_letter(text: str) -> LetterFields:
    lines = [tidy(line) for line in text.splitlines()]
    kept = [line for line in lines if not line or not is_noise(line)]
    return LetterFields(subject=_subject(kept), name=_name(kept), text=_join(kept))


def tidy(line: str) -> str:
    """A line without the stray marks OCR puts at its start and end."""
    line = _LEADING_JUNK.sub("", line.strip())
    return _TRAILING_JUNK.sub("", line).strip()


def is_noise(line: str) -> bool:
    """A line no person wrote: marks, a scribbled signature read as letters ("NVVNNNNN"), a stamp's dots."""
    letters = sum(ch.isalpha() for ch in line)
    digits = sum(ch.isdigit() for ch in line)
    visible = sum(not ch.isspace() for ch in line)
    if letters < 2:
        return digits < 4  # a phone number or a date alone is kept
    if letters + digits < visible * 0.5:
        return True
    words = line.split()
    if len(words) == 1 and len(line) >= 4 and line.isalpha():
        return not (set(line) & _VOWELS) or len(set(line.lower())) <= 2
    return False


def _subject(lines: list[str]) -> str | None:
    for line in lines:
        match = _SUBJECT.match(line)
        if match:
            return match.group("value").strip()[:200] or None
    return None


def _name(lines: list[str]) -> str | None:
    for line in lines:
        match = _NAME.match(line)
        if match:
            return match.group("value").strip(" ,.")[:120] or None
    closings = [i for i, line in enumerate(lines) if _CLOSING.match(line)]
    if not closings:
        return None
    for line in lines[closings[-1] + 1:]:
        candidate = line.strip("() ")
        if not candidate:
            continue
        if candidate.lower().rstrip(":") in _NOT_NAMES:
            break
        if _NAME_LIKE.match(candidate):
            return candidate
    return None


def _join(lines: list[str]) -> str:
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
