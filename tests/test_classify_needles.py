"""The cue scan's prefilter (classify.needles) only skips patterns that cannot match.

A pattern is skipped when none of the literal strings ("needles") that every match must contain occurs
in the text. Skipping one that could match would silently change a decision, so: the needles of every
pattern hold on every corpus text where it matches, on random patterns over random texts, and
`find_cues` finds exactly what a plain scan of every pattern finds.
"""

from __future__ import annotations

import random
import re

import pytest

from classify import caseref, context, malad, rules
from classify.corpus import DEV_FILE, TRAIN_FILE, read_records
from classify.cues import CompiledTable, CueHit, find_cues
from classify.learned import facts
from classify.needles import contains, fold, needle_sets
from classify.regex_shape import read

TABLES: dict[str, CompiledTable] = {
    "kind": rules._KIND,
    "grievance": rules._GRIEVANCE,
    "follow_up": rules._FOLLOW,
    "malad": malad._COMPILED,
    **{f"lowered {name}": table for name, table in facts._FAST.items()},
}


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [f"{r.subject}\n\n{r.text}" for r in read_records(TRAIN_FILE) + read_records(DEV_FILE)]


def test_needles_of_a_cue_are_the_words_it_cannot_do_without() -> None:
    assert needle_sets(re.compile(r"\b(?:tidak|tdk) ada (?:petugas|pegawai)\b", re.I)) == (
        frozenset({"pegawai", "petugas"}),
        frozenset({" ada "}),
        frozenset({"tdk", "tidak"}),
    )
    # an optional part, a class or a repeat that may be absent says nothing
    assert needle_sets(re.compile(r"\bsudah (?:lama )?[0-9]+ ?bulan\b")) == (frozenset({"sudah "}), frozenset({"bulan"}))
    # look-arounds and anchors consume nothing; a group with its own flags still needs its words
    assert needle_sets(re.compile(r"(?<!\w)(?i:pungli)(?!\w)")) == (frozenset({"pungli"}),)


def test_syntax_the_reader_does_not_know_means_always_scan() -> None:
    for source in (r"(a+)b\1", r"(?x) pungli  # verbose", r"(a)?(?(1)b|c)", r"\101bc", r"(?#note)pungli"):
        assert read(source) is None
        assert needle_sets(re.compile(source)) == ()


def test_the_other_scanned_patterns_keep_their_needles_on_every_corpus_text(texts: list[str]) -> None:
    """The cue tables are checked whole below; these patterns are scanned on their own."""
    table_patterns = [p for table in TABLES.values() for pairs in table.values() for p, _ in pairs]
    assert sum(1 for p in table_patterns if needle_sets(p)) > 0.95 * len(table_patterns)
    patterns = [(p, needle_sets(p)) for p in (*rules._CONFIDENTIAL, caseref._LABELLED, context._OFFICE)]
    assert all(need for _, need in patterns)
    for text in texts:
        folded = fold(text)
        for p, need in patterns:
            if p.search(text):
                assert contains(need, folded), (p.pattern, text[:80])


def _plain_scan(table: CompiledTable, text: str) -> list[CueHit]:
    hits = [
        CueHit(label, m.start(), m.end(), m.group(0), w)
        for label, pairs in table.items()
        for p, w in pairs
        for m in p.finditer(text)
        if m.end() > m.start()
    ]
    return sorted(hits, key=lambda h: (h.start, -h.end))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_find_cues_finds_exactly_what_a_plain_scan_finds(name: str, texts: list[str]) -> None:
    table = TABLES[name]
    lowered = name.startswith("lowered")
    extra = ["SUDAH 3 BULAN KTP BELUM JADI, petugas MEMBENTAK saya", "ſudah 3 bulan, dimintai uang Rp 50.000"]
    for text in [*texts, *extra]:
        scanned = text.lower() if lowered else text
        assert find_cues(table, scanned) == _plain_scan(table, scanned)


_PIECES = ["ab", "ba", "abc", "a", "b", "c", " ", "-", ".", "x", "K", "k", "\u212a", "é"]
_ATOMS = ["a", "b", "c", "ab", "abc", "bc ", r"\.", "[ab]", "[^a]", ".", r"\w", r"\s", r"\d", "k", "é", "K"]


def _random_pattern(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.15 and depth < 2:
            alts = "|".join(_random_pattern(rng, depth + 1) for _ in range(rng.randint(2, 3)))
            opener = rng.choice(["(?:", "(", f"(?P<g{rng.randint(0, 999)}>", "(?i:", "(?-i:", "(?>"])
            atom = opener + alts + ")"
        elif roll < 0.25:
            atom = rng.choice([r"\b", r"\B", "^", "$", "(?=a)", "(?!b)", "(?<=a)", "(?<!c)"])
        else:
            atom = rng.choice(_ATOMS)
        if rng.random() < 0.3 and not atom.startswith(("\\b", "\\B", "^", "$", "(?=", "(?!", "(?<")):
            atom += rng.choice(["?", "*", "+", "{2}", "{0,2}", "{1,}", "??", "+?"])
        parts.append(atom)
    return "".join(parts)


def test_random_patterns_never_lose_a_match() -> None:
    rng = random.Random(20261203)
    checked = 0
    for _ in range(3000):
        source = _random_pattern(rng)
        try:
            pattern = re.compile(source, rng.choice([0, re.IGNORECASE]))
        except re.error:
            continue
        need = needle_sets(pattern)
        for _ in range(20):
            text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 12)))
            if pattern.search(text):
                checked += 1
                assert contains(need, fold(text)), (source, text)
    assert checked > 1000
