"""Parts of a message whose place or agency words say nothing about the complaint.

The office's own address ('Kepada Yth. Kepala Ombudsman RI Perwakilan ... di Pangkalpinang') and
report numbers ('0045/LM/II/2026/PKP') name Pangkalpinang without the complaint being about it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from classify.caseref import find_case_refs

Range = tuple[int, int]

_SEP = r"(?:[ \t,]+|[ \t]*\n[ \t]*(?!\n))+"  # spaces, commas, one line break (not a paragraph)
_OFFICE = re.compile(
    r"(?i)\b(?:kantor\s+)?ombudsman"
    rf"(?:{_SEP}(?:(?:RI|Republik\s+Indonesia|Perwakilan|Provinsi|Prov|Kepulauan|Kep|"
    r"Bangka[\s-]*Belitung|Babel|Bangka|Belitung|di|Tempat|Pangkal\s*pinang|Kota|Pusat)\b\.?|"
    r"R\.I\.|–|-|(?-i:Jl\.?|Jln\.?|Jalan)\s+(?-i:[A-Z])[^\n]{0,60}))*"
)


def office_mentions(text: str) -> list[Range]:
    """Spans naming the Ombudsman office with its own place ('Ombudsman RI ... di Pangkalpinang')."""
    return [m.span() for m in _OFFICE.finditer(text)]


def ignored_ranges(text: str) -> list[Range]:
    """Where gazetteer matches are not evidence: the office's address and report numbers."""
    ranges = office_mentions(text)
    ranges += [(c.start, c.end) for c in find_case_refs(text)]
    return sorted(ranges)


def inside(ranges: Sequence[Range], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in ranges)


def outside(items: Iterable, ranges: Sequence[Range]) -> list:
    """Items (with .start/.end) that do not fall in any of `ranges`."""
    return [i for i in items if not inside(ranges, i.start, i.end)]
