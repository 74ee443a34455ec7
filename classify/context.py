"""Parts of a message whose place or agency words say nothing about the complaint.

The office's own address ('Kepada Yth. Kepala Ombudsman RI Perwakilan ... di Pangkalpinang') and
report numbers ('0045/LM/II/2026/PKP') name Pangkalpinang without the complaint being about it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from classify.caseref import CaseRef, find_case_refs
from classify.needles import contains, fold, needle_sets

Range = tuple[int, int]

_SEP = r"(?:[ \t,]+|[ \t]*\n[ \t]*(?!\n))+"  # spaces, commas, one line break (not a paragraph)
_OFFICE = re.compile(
    r"(?i)\b(?:kantor\s+)?ombudsman"
    rf"(?:{_SEP}(?:(?:RI|Republik\s+Indonesia|Perwakilan|Provinsi|Prov|Kepulauan|Kep|"
    r"Bangka[\s-]*Belitung|Babel|Bangka|Belitung|di|Tempat|Pangkal\s*pinang|Kota|Pusat)\b\.?|"
    r"R\.I\.|–|-|(?-i:Jl\.?|Jln\.?|Jalan)\s+(?-i:[A-Z])[^\n]{0,60}))*"
)


_OFFICE_NEEDLES = needle_sets(_OFFICE)


def office_mentions(text: str, folded: str | None = None) -> list[Range]:
    """Spans naming the Ombudsman office with its own place ('Ombudsman RI ... di Pangkalpinang').
    `folded` may pass `classify.needles.fold(text)` when the caller has it."""
    if _OFFICE_NEEDLES:
        if folded is None:
            folded = fold(text)
        if not contains(_OFFICE_NEEDLES, folded):
            return []
    return [m.span() for m in _OFFICE.finditer(text)]


def ignored_ranges(
    text: str, refs: Sequence[CaseRef] | None = None, folded: str | None = None
) -> list[Range]:
    """Where gazetteer matches are not evidence: the office's address and report numbers.
    `refs` and `folded` may pass `find_case_refs(text)` and `fold(text)` when the caller has them."""
    ranges = office_mentions(text, folded)
    ranges += [(c.start, c.end) for c in (find_case_refs(text) if refs is None else refs)]
    return sorted(ranges)


def inside(ranges: Sequence[Range], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in ranges)


def outside(items: Iterable, ranges: Sequence[Range]) -> list:
    """Items (with .start/.end) that do not fall in any of `ranges`."""
    return [i for i in items if not inside(ranges, i.start, i.end)]
