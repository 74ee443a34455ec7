"""Report numbers of the Ombudsman office named in a message (a follow-up names its report)."""

from __future__ import annotations

import re
from typing import NamedTuple

from classify.needles import contains, fold, needle_sets

# 0045/LM/II/2026/PKP, 0211/LM/2026, 0087/ORI-BABEL/III/2026
_SLASHED = re.compile(r"\b\d{3,4}/(?:LM|ORI(?:-[A-Z]+)?)(?:/[A-Z0-9]+)*\b")
# the references Narahubung itself hands out (routing's default format): ORI-BABEL/2026/000123
_OWN = re.compile(r"\bORI-[A-Z]+/\d{4}/\d{4,6}\b")
# No. Reg 2026-0456, No. Agenda 2026-0198, Reg. 0412/2025, nomor laporan 2026-0318
_LABELLED = re.compile(
    r"(?i)\b(?:no(?:mor)?\.?\s*)?(?:reg(?:istrasi)?|agenda|laporan(?:\s+saya)?)\.?\s*"
    r"(?:no(?:mor)?\.?\s*)?[:.]?\s*(?P<ref>\d{4}-\d{3,5}|\d{3,4}/\d{4})\b"
)


class CaseRef(NamedTuple):
    ref: str
    start: int
    end: int


# Strings without which a pattern cannot match: a text lacking them skips the scan (same result).
_REQUIRED = ((_OWN, "ORI-"), (_SLASHED, "/"))
_LABELLED_NEEDLES = needle_sets(_LABELLED)


def find_case_refs(text: str, folded: str | None = None) -> list[CaseRef]:
    """Every report number in `text`, in order; spans cover the number itself. `folded` may pass
    `classify.needles.fold(text)` when the caller has it."""
    found: dict[tuple[int, int], CaseRef] = {}
    for pattern, required in _REQUIRED:
        if required not in text:
            continue
        for m in pattern.finditer(text):
            if not any(a <= m.start() < b for a, b in found):
                found[(m.start(), m.end())] = CaseRef(m.group(0), m.start(), m.end())
    if _LABELLED_NEEDLES:
        if folded is None:
            folded = fold(text)
        if not contains(_LABELLED_NEEDLES, folded):
            return [found[k] for k in sorted(found)]
    for m in _LABELLED.finditer(text):
        s, e = m.span("ref")
        if not any(a <= s < b for a, b in found):
            found[(s, e)] = CaseRef(m.group("ref"), s, e)
    return [found[k] for k in sorted(found)]


def normalise(ref: str) -> str:
    """'No. Reg 2026-0456' and '2026-0456' are the same report."""
    m = _LABELLED.search(ref)
    return (m.group("ref") if m else ref).strip().upper()
