"""Phrase patterns for agencies and places, built from the Directory (plus a small lexicon).

One `Gazetteer` owns one blank Indonesian spaCy pipeline (slow to build: build it once) and three
PhraseMatchers on attr="LOWER":
- agencies: agency name, aliases, service hints (+ lexicon extras) -> label = agency type id;
- regions:  region name, aliases, capital, kecamatan, unambiguous kelurahan/desa from areaid
            -> label = region code; the province itself / its islands -> label PROVINCE / island:*;
- other provinces: province, regency and city names of the rest of Indonesia -> label = province.

`find(text)` returns every match as `Match(label, start_char, end_char, text, ...)`, overlaps across
all three resolved longest-first, with the guards of `lexicon` applied (acronyms that are common
words must be written in capitals; place names that are common words need a place trigger before
them, such as 'Desa Kelapa').  The trained pipeline that replaces the rule classifier can reuse the
same patterns (e.g. as an EntityRuler or as features).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple, TypeVar

import spacy
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from classify import lexicon, regex_shape
from classify.wilayah import kelurahan_by_region, other_province_places, unambiguous_kelurahan
from core.directory import Directory

AGENCY = "agency"
REGION = "region"
OTHER = "other_province"

PROVINCE = "PROVINCE"  # the office's own province (not a region)

T = TypeVar("T")


class Match(NamedTuple):
    """One gazetteer hit: (label, start_char, end_char, text) + what kind of pattern it was."""

    label: str
    start: int
    end: int
    text: str
    category: str = ""  # agency | region | other_province
    source: str = ""  # name | alias | hint | capital | kecamatan | kelurahan | island | ...


@dataclass(frozen=True)
class Pattern:
    label: str
    category: str
    source: str
    phrase: str


@dataclass
class _Table:
    """Patterns of one category, keyed for the PhraseMatcher."""

    category: str
    patterns: dict[str, list[Pattern]] = field(default_factory=dict)

    def add(self, label: str, source: str, phrase: str) -> None:
        phrase = " ".join(phrase.split())
        if not phrase:
            return
        key = f"{self.category}|{label}|{source}"
        self.patterns.setdefault(key, []).append(Pattern(label, self.category, source, phrase))


def _spellings(phrase: str) -> tuple[str, ...]:
    """A name and the usual ways of writing it: 'Kabupaten X' -> 'Kab. X'; 'Tanjung P' -> 'Tj. P'."""
    out = [phrase]
    if phrase.startswith("Kabupaten "):
        rest = phrase[len("Kabupaten ") :]
        out += [f"Kab. {rest}", f"Kab {rest}", f"Pemkab {rest}"]
    if phrase.startswith("Kota "):
        out.append(f"Pemkot {phrase[len('Kota '):]}")
    if phrase.startswith("Tanjung "):
        rest = phrase[len("Tanjung ") :]
        out += [f"Tj. {rest}", f"Tj {rest}", f"Tanjung{rest.lower()}"]
    if " " in phrase and not phrase.startswith(("Kab", "Kota", "Pemkab", "Pemkot")):
        out.append(phrase.replace(" ", ""))
    return tuple(dict.fromkeys(out))


def agency_patterns(directory: Directory) -> Iterator[Pattern]:
    table = _Table(AGENCY)
    for t in directory.agency_types:
        table.add(t.id, "name", t.name)
        for a in t.aliases:
            table.add(t.id, "weak_hint" if a.lower() in lexicon.DEMOTED_ALIASES else "alias", a)
        for h in t.service_hints:
            table.add(t.id, "weak_hint" if h.lower() in lexicon.WEAK_HINTS else "hint", h)
        for a in lexicon.EXTRA_AGENCY_ALIASES.get(t.id, ()):
            table.add(t.id, "weak_hint" if a.lower() in lexicon.DEMOTED_ALIASES else "alias", a)
        for h in lexicon.EXTRA_SERVICE_HINTS.get(t.id, ()):
            table.add(t.id, "weak_hint" if h.lower() in lexicon.WEAK_HINTS else "hint", h)
    for unit_id, phrases in lexicon.UNIT_PROPER_NAMES.items():
        unit = directory.unit(unit_id)
        if unit is not None:
            for p in phrases:
                table.add(unit.type, "alias", p)
    for label, phrases in lexicon.PROVINCIAL_AGENCY_NAMES.items():
        for p in phrases:
            table.add(label, "provincial", p)
    for listed in table.patterns.values():
        yield from listed


def region_patterns(directory: Directory) -> Iterator[Pattern]:
    table = _Table(REGION)
    for p in lexicon.OWN_PROVINCE_NAMES:
        table.add(PROVINCE, "province", p)
    for label, phrases in lexicon.ISLANDS.items():
        for p in phrases:
            table.add(label, "island", p)
    for r in directory.regions:
        for s in _spellings(r.name):
            table.add(r.code, "name", s)
        for a in r.aliases:
            source = "bare_island" if a.lower() in lexicon.BARE_ISLAND_NAMES else "alias"
            for s in _spellings(a):
                table.add(r.code, source, s)
        if r.capital:
            for s in _spellings(r.capital):
                table.add(r.code, "capital", s)
        for k in r.kecamatan:
            for s in _spellings(k):
                table.add(r.code, "kecamatan", s)
    for unit_id, phrases in lexicon.UNIT_PROPER_NAMES.items():
        unit = directory.unit(unit_id)
        if unit is not None and len(unit.covers) == 1:
            for p in phrases:
                table.add(unit.covers[0], "unit_name", p)
    kel = kelurahan_by_region(directory.office.province, {r.code: r.name for r in directory.regions})
    known = {p.phrase.lower() for ps in table.patterns.values() for p in ps}
    for place in unambiguous_kelurahan(kel, skip=lexicon.KELURAHAN_SKIP):
        if place.name.lower() not in known:
            for s in _spellings(place.name):
                table.add(place.code, "kelurahan", s)
    for listed in table.patterns.values():
        yield from listed


def other_province_patterns(directory: Directory) -> Iterator[Pattern]:
    table = _Table(OTHER)
    canonical = {o.province.lower(): o.province for o in directory.other_offices}
    canonical.update({k.lower(): v for k, v in lexicon.PROVINCE_CANONICAL.items()})
    places = other_province_places(directory.office.province_code, lexicon.PROVINCE_ALIASES)
    for place in places:
        name = place.name
        if name.lower() in lexicon.OTHER_PLACE_SKIP or len(name) < 4:
            continue
        prov = canonical.get(place.code.lower(), place.code)
        source = "province" if place.name == place.code or name in lexicon.PROVINCE_ALIASES.get(
            place.code, ()
        ) else "regency"
        table.add(prov, source, name)
    for listed in table.patterns.values():
        yield from listed


_PLACE_TRIGGER = re.compile(
    r"(?:\b(?:desa|ds|kelurahan|kel|kecamatan|kec|dusun|dsn|kampung|kp|kampong|kota|kab|"
    r"kabupaten|di|dari|ke|warga)\.?\s*)$",
    re.IGNORECASE,
)


# --- the tokenizer's affix searches, prechecked -----------------------------------------------
# spaCy's tokenizer calls prefix_search / suffix_search / infix_finditer on every chunk it has not
# cached; each is one long alternation that `re` tries at every position. Most chunks are plain words
# that none can match. A precheck regex (the characters the first, or for the suffix the last,
# character of a match can be, with the ^ / $ anchors kept; read from the pattern's shape) rules
# those out in one C call; any chunk it does not rule out goes to the original function, so every
# result is the original one and the tokens are the same.
def _edge_chars(node: regex_shape.Node, first: bool) -> list[regex_shape.Char] | None:
    """Characters one of which is the first (or last) character of every match of `node`; None
    when that is not known."""
    if isinstance(node, regex_shape.Char):
        return [node]
    if isinstance(node, regex_shape.Group):
        return None if node.flags else _edge_chars(node.inner, first)
    if isinstance(node, regex_shape.Repeat):
        return _edge_chars(node.item, first) if node.least >= 1 else None
    if isinstance(node, regex_shape.Alt):
        parts = [_edge_chars(b, first) for b in node.branches]
        return None if any(p is None for p in parts) else [c for p in parts if p for c in p]
    if isinstance(node, regex_shape.Seq):
        for item in node.items if first else node.items[::-1]:
            if not isinstance(item, regex_shape.Empty):
                return _edge_chars(item, first)
    return None


def _at_edge(node: regex_shape.Node, first: bool) -> bool:
    r"""Whether `node` starts with ^ / \A (`first`) or ends with $ / \Z, before any character."""
    items = node.items if isinstance(node, regex_shape.Seq) else (node,)
    edge = "start" if first else "end"
    for item in items if first else items[::-1]:
        if not isinstance(item, regex_shape.Empty):
            return False
        if item.anchor == edge:
            return True
    return False


def _precheck(pattern: re.Pattern[str], first: bool) -> Callable[[str], bool] | None:
    """A function that is true for every string in which `pattern` finds something (see above);
    None when none can be built."""
    if pattern.flags & (re.MULTILINE | re.VERBOSE):
        return None
    tree = regex_shape.read(pattern.pattern)
    if tree is None:
        return None
    alts = tree.branches if isinstance(tree, regex_shape.Alt) else (tree,)
    anchored: list[str] = []  # first (last) character of the string
    anywhere: list[str] = []
    for alt in alts:
        chars = _edge_chars(alt, first)
        if chars is None:
            return None
        (anchored if _at_edge(alt, first) else anywhere).extend(c.src for c in chars)
    flags = pattern.flags & ~re.UNICODE  # `re` sets UNICODE itself for str patterns
    # `re` turns an alternation of single characters and classes into one class
    at = re.compile("(?:" + "|".join(dict.fromkeys(anchored)) + ")", flags).match if anchored else None
    inside = re.compile("(?:" + "|".join(dict.fromkeys(anywhere)) + ")", flags).search if anywhere else None

    def may(string: str) -> bool:
        if inside is not None and inside(string) is not None:
            return True
        if at is None:
            return False
        if first:
            return at(string) is not None
        # $ also matches before a final line break: leave such strings to the pattern itself
        return not string or string[-1] == "\n" or at(string, len(string) - 1) is not None

    return may


def _prechecked(search: Callable[[str], T], first: bool, empty: Callable[[], T]) -> Callable[[str], T]:
    """`search` (a bound method of a compiled pattern) behind its precheck, or `search` itself."""
    pattern = getattr(search, "__self__", None)
    if not isinstance(pattern, re.Pattern) or not isinstance(pattern.pattern, str):
        return search
    may = _precheck(pattern, first)
    if may is None:
        return search

    def checked(string: str) -> T:
        return search(string) if may(string) else empty()

    return checked


def fast_tokenizer(nlp: spacy.Language) -> spacy.Language:
    """Give `nlp` a tokenizer with the same rules whose affix searches are prechecked."""
    tok = nlp.tokenizer
    if not isinstance(tok, Tokenizer) or type(tok) is not Tokenizer:
        return nlp
    nlp.tokenizer = Tokenizer(
        nlp.vocab,
        rules=tok.rules,
        prefix_search=_prechecked(tok.prefix_search, True, lambda: None) if tok.prefix_search else None,
        suffix_search=_prechecked(tok.suffix_search, False, lambda: None) if tok.suffix_search else None,
        infix_finditer=_prechecked(tok.infix_finditer, True, lambda: iter(())) if tok.infix_finditer else None,
        token_match=tok.token_match,
        url_match=tok.url_match,
        faster_heuristics=tok.faster_heuristics,
        max_cache_size=tok.max_cache_size,
    )
    return nlp


class Gazetteer:
    """Agency and place patterns of one Directory, compiled once."""

    def __init__(self, directory: Directory, nlp: spacy.Language | None = None) -> None:
        self.directory = directory
        self.nlp = nlp if nlp is not None else fast_tokenizer(spacy.blank("id"))
        self.patterns: tuple[Pattern, ...] = (
            *agency_patterns(directory),
            *region_patterns(directory),
            *other_province_patterns(directory),
        )
        self._matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        by_key: dict[str, list[str]] = {}
        self._meta: dict[str, tuple[str, str, str]] = {}
        for p in self.patterns:
            key = f"{p.category}|{p.label}|{p.source}"
            by_key.setdefault(key, []).append(p.phrase)
            self._meta[key] = (p.label, p.category, p.source)
        for key, phrases in by_key.items():
            unique = list(dict.fromkeys(phrases))
            self._matcher.add(key, [self.nlp.make_doc(phrase) for phrase in unique])

    def make_doc(self, text: str) -> Doc:
        return self.nlp.make_doc(text)

    def find(self, text: str | Doc) -> list[Match]:
        """All matches in `text`, longest-first without overlaps, in text order."""
        doc = text if isinstance(text, Doc) else self.make_doc(text)
        keys_at: dict[tuple[int, int], list[str]] = {}
        strings = self.nlp.vocab.strings
        doc_text: list[str] = []  # Doc.text joins every token: built once, when a guard needs it
        for match_id, start, end in self._matcher(doc):
            span = doc[start:end]
            if self._accept(span, doc_text):
                keys_at.setdefault((start, end), []).append(strings[match_id])
        kept = filter_spans([doc[s:e] for s, e in keys_at])
        out = []
        for span in kept:
            for key in dict.fromkeys(keys_at[(span.start, span.end)]):
                label, category, source = self._meta[key]
                out.append(Match(label, span.start_char, span.end_char, span.text, category, source))
        return sorted(out, key=lambda m: (m.start, m.end))

    def _accept(self, span: Span, doc_text: list[str] | None = None) -> bool:
        """`doc_text`: a list holding `span.doc.text` once known (filled here when first needed)."""
        text = span.text
        low = text.lower()
        if low in lexicon.CASED_ACRONYMS and not text.isupper():
            return False
        if low in lexicon.GUARDED_PLACE_NAMES:
            if doc_text is None:
                doc_text = []
            if not doc_text:
                doc_text.append(span.doc.text)
            before = doc_text[0][max(0, span.start_char - 20) : span.start_char]
            if not text[:1].isupper() or not _PLACE_TRIGGER.search(before):
                return False
        return True


def find(gazetteer: Gazetteer, text: str) -> list[tuple[str, int, int, str]]:
    """Plain (label, start_char, end_char, text) tuples, for callers that want nothing more."""
    return [(m.label, m.start, m.end, m.text) for m in gazetteer.find(text)]
