"""Literal strings ("needles") that every match of a cue pattern must contain: a fast, exact prefilter.

Most cue patterns cannot match a given message at all. `needle_sets(pattern)` reads the pattern's
source and returns sets of lower-case ASCII strings such that every match contains one string of
each set; a pattern with a set none of whose needles occurs in the folded text (`fold`) is skipped.
Which needles occur is found once per text for every table (`present_needles`: one regex pass,
cached for the last few texts), so several tables scanning one message share it. A pattern that
does run is the original one, so hits are exactly those of a plain scan of every pattern.

The needles are read from the pattern's shape (`classify.regex_shape`). They only have to be
sound: a pattern whose shape is not known gets no needles, and is always run.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections.abc import Iterable
from typing import TypeAlias

from classify.regex_shape import Alt, Char, Empty, Group, Node, Repeat, read

Needles = tuple[frozenset[str], ...]  # every match contains one needle of each set

_MAX_COMBINATIONS = 16
_MIN_NEEDLE = 3


# --- what every match must contain --------------------------------------------------------------
def _best(options: list[frozenset[str]]) -> frozenset[str]:
    return max(options, key=lambda o: (min(len(x) for x in o), -len(o)))


def _requirements(node: Node) -> list[frozenset[str]]:
    """Sets of lower-case ASCII strings such that every match of `node` contains one string of
    each set (empty list: nothing known)."""
    if isinstance(node, Char):
        return [frozenset({node.char.lower()})] if _ascii_literal(node) else []
    if isinstance(node, Group):
        return _requirements(node.inner)
    if isinstance(node, Repeat):
        return _requirements(node.item) if node.least >= 1 else []
    if isinstance(node, Alt):
        branches = [_requirements(b) for b in node.branches]
        if not all(branches):
            return []
        # (a1 and a2) or b  ==  (a1 or b) and (a2 or b): every combination is required
        if math.prod(len(b) for b in branches) <= _MAX_COMBINATIONS:
            return [frozenset().union(*combo) for combo in itertools.product(*branches)]
        return [frozenset().union(*(_best(b) for b in branches))]
    if isinstance(node, Empty):
        return []
    options: list[frozenset[str]] = []
    run: list[str] = []
    for item in node.items:
        if isinstance(item, Char) and _ascii_literal(item):
            run.append(item.char.lower())
            continue
        if run:
            options.append(frozenset({"".join(run)}))
            run.clear()
        options += _requirements(item)
    if run:
        options.append(frozenset({"".join(run)}))
    return [o for o in options if o and all(o)]


def _ascii_literal(c: Char) -> bool:
    return bool(c.char) and c.char < "\x80"


def needle_sets(pattern: re.Pattern[str]) -> Needles:
    """All needle sets of a compiled pattern (empty: always run it)."""
    if not isinstance(pattern.pattern, str) or pattern.flags & (re.LOCALE | re.VERBOSE):
        return ()
    tree = read(pattern.pattern)
    if tree is None:
        return ()
    # a set holding a very short needle (' ', 'ga') is met by nearly every text: not worth a test
    sets = [o for o in dict.fromkeys(_requirements(tree)) if min(len(x) for x in o) >= _MIN_NEEDLE]
    # a superset of another required set says nothing more; the most selective sets first
    sets = [o for o in sets if not any(other < o for other in sets)]
    return tuple(sorted(sets, key=lambda o: (-min(len(x) for x in o), len(o), sorted(o))))


def needles(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The single best needle set of a compiled pattern (None: always run it)."""
    sets = needle_sets(pattern)
    return _best(list(sets)) if sets else None


# --- the text side --------------------------------------------------------------------------------
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_LETTERS = tuple((chr(c + 32), re.compile(chr(c + 32), re.IGNORECASE)) for c in range(ord("A"), ord("Z") + 1))


def fold(text: str) -> str:
    """`text` for needle tests: ASCII letters lower-cased, and any other character that a
    case-insensitive regex letter matches (e.g. KELVIN SIGN, LONG S) turned into that letter."""
    if text.isascii():
        return text.lower()
    table: dict[int, int | str] = dict(_ASCII_LOWER)
    for c in set(text):
        if c > "\x7f":
            for letter, pat in _LETTERS:
                if pat.fullmatch(c):
                    table[ord(c)] = letter
                    break
    return text.translate(table)


_Trie: TypeAlias = dict[str, "_Trie"]


class NeedleIndex:
    """Every needle of every compiled table, found in a folded text by one regex pass.

    The regex tries, at each position, the needles starting there as one trie (longest first); a
    needle found implies every needle it contains, so the closure of what is found is exactly the
    set of needles occurring in the text."""

    def __init__(self) -> None:
        self._needles: set[str] = set()
        self._regex: re.Pattern[str] | None = None
        self._closure: dict[str, frozenset[str]] = {}
        self.present = functools.lru_cache(maxsize=8)(self._present)

    def add(self, needles: Iterable[str]) -> None:
        new = set(needles) - self._needles
        if new:
            self._needles |= new
            self._regex = None
            self.present.cache_clear()

    def _build(self) -> re.Pattern[str]:
        trie: _Trie = {}
        for word in self._needles:
            node = trie
            for ch in word:
                node = node.setdefault(ch, {})
            node[""] = {}

        def alternation(node: _Trie) -> str:
            alts = [re.escape(ch) + alternation(node[ch]) for ch in sorted(k for k in node if k)]
            if "" in node:
                alts.append("")  # last: a longer needle is preferred
            return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

        ordered = sorted(self._needles)
        self._closure = {n: frozenset(m for m in ordered if m in n) for n in ordered}
        return re.compile("(?=(" + alternation(trie) + "))") if trie else re.compile(r"(?!)")

    def _present(self, folded: str) -> frozenset[str]:
        regex = self._regex
        if regex is None:
            regex = self._regex = self._build()
        closure = self._closure
        found = set(regex.findall(folded))
        found.discard("")
        return frozenset().union(*[closure[n] for n in found])


def may_match(need: Needles, present: frozenset[str]) -> bool:
    """False when a pattern with needle sets `need` cannot match a text with needles `present`."""
    return all(not options.isdisjoint(present) for options in need)


def contains(need: Needles, folded: str) -> bool:
    """`may_match` for one pattern tested on its own: are the needles in `folded`?"""
    return all(any(n in folded for n in options) for options in need)
