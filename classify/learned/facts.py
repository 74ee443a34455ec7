"""What one message says, read once: the input of every model of `LearnedClassifier`.

`read_facts(message, reader)` tokenises the text once, finds the gazetteer's agency, place and
other-province mentions and the place finder's context/fuzzy places (both outside the office's own
address and report numbers), scans the cue tables once, and runs the rules' kind decision. The
result is plain data; the feature functions of `candidates.py` and the decision read only it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import spacy

from classify import context, lexicon
from classify.caseref import CaseRef, find_case_refs
from classify.cues import CompiledTable, CueHit, find_cues
from classify.cues import scores as cue_scores
from classify.decision import MessageText
from classify.gazetteer import AGENCY, PROVINCE, REGION, Gazetteer, Match, fast_tokenizer
from classify.kinds import KindDecision, Signals, decide_kind
from classify.malad import _COMPILED as MALAD_CUES
from classify.needles import fold
from classify.places import PlaceFinder
from classify.rules import _FOLLOW, _GRIEVANCE, _KIND, confidential_hits
from classify.scoring import (
    Vote,
    absorb,
    agency_vote,
    near_agency,
    other_province_vote,
    region_vote,
)
from core.directory import Directory


def _lowered(table: CompiledTable) -> CompiledTable:
    """The cue table compiled for lower-cased text: without IGNORECASE (much faster in `re`) unless
    a pattern names capitals itself. Same matches as the original on `text.lower()`."""
    out: dict = {}
    for label, pairs in table.items():
        out[label] = []
        for pat, w in pairs:
            bare = re.sub(r"\\[A-Za-z]", "", pat.pattern)
            flags = re.IGNORECASE if re.search("[A-Z]", bare) else 0
            out[label].append((re.compile(pat.pattern, flags), w))
    return CompiledTable(out)


_SLOW = {"kind": _KIND, "grievance": _GRIEVANCE, "follow": _FOLLOW, "malad": MALAD_CUES}
_FAST = {name: _lowered(t) for name, t in _SLOW.items()}


def scan_tables(text: str) -> tuple[str, dict, str]:
    """(text to scan, tables, folded scan text): lower-cased with the fast tables when lower() keeps
    every offset."""
    low = text.lower()
    if len(low) == len(text):
        return low, _FAST, (low if text.isascii() else fold(low))
    return text, _SLOW, fold(text)


# --- where a mention stands ---------------------------------------------------------------------
def _phrase_regex(phrases: Sequence[str], words: int = 3) -> re.Pattern[str]:
    """The phrase, then at most `words` words, right before a mention (the text up to it)."""
    alts = sorted({re.escape(p.lower()).replace(r"\ ", r"\s+") for p in phrases if p.strip()}, key=len, reverse=True)
    return re.compile(r"(?:^|[^\w])(?:" + "|".join(alts) + r")[\s:,.]*(?:[\w/-]+[\s,]+){0," + str(words) + "}$")


TARGET_BEFORE = _phrase_regex(lexicon.TARGET_PHRASES)
# a referral may list several places: 'sudah tanya ke kantor desa dan ke Disdukcapil'
REFERRAL_BEFORE = _phrase_regex(lexicon.REFERRAL_PHRASES, words=6)
RESIDENCE_BEFORE = re.compile(
    r"(?:tinggal|berdomisili|domisili|beralamat|alamat|warga|penduduk|rumah\s+(?:saya|kami)|asal)"
    r"[\s:,.]*(?:(?:di|dari|desa|ds\.?|kel(?:urahan)?\.?|dusun|dsn\.?|kec(?:amatan)?\.?|jl\.?|jalan|rt|rw|"
    r"no\.?|\d+|[\w.-]+)[\s,./]*){0,6}$"
)
SENTENCE_END = re.compile(r"[.!?\n]")
SEVERAL_TARGETS = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted((re.escape(p).replace(r"\ ", r"\s+") for p in lexicon.SEVERAL_TARGETS_PHRASES),
                                 key=len, reverse=True)) + r")(?!\w)"
) if lexicon.SEVERAL_TARGETS_PHRASES else None


@dataclass(frozen=True)
class Mention:
    """One agency or place mention with where it stands."""

    label: str  # agency type id, or region code
    start: int
    end: int
    text: str
    source: str  # gazetteer source (alias, hint, kecamatan …) or place finder level
    method: str = "exact"  # exact | variant | fuzzy | context
    share: float = 1.0  # 1 / number of labels the same span may mean
    trigger: str = ""


@dataclass(frozen=True)
class Facts:
    """Everything the models read about one message."""

    text: str
    subject_end: int
    folded: str
    refs: tuple[CaseRef, ...]
    agencies: tuple[Mention, ...]
    places: tuple[Mention, ...]
    agency_vote: Vote
    region_vote: Vote
    other_vote: Vote
    rule_kind: KindDecision
    kind_scores: Mapping[str, float]
    grievance: float
    follow_up: float
    private_cues: float
    malad_cue: Mapping[str, float]
    malad_hits: tuple[CueHit, ...]
    grievance_hits: tuple[CueHit, ...]
    confidential: tuple[CueHit, ...]
    is_auto_reply: bool
    report_shapes: int = 0

    @cached_property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        """(start, end) of every sentence or line of the text."""
        out, start = [], 0
        for m in SENTENCE_END.finditer(self.text):
            if m.start() > start:
                out.append((start, m.start()))
            start = m.end()
        if start < len(self.text):
            out.append((start, len(self.text)))
        return tuple(out)

    @cached_property
    def several_targets(self) -> bool:
        """The writer says the complaint is about more than one office ('keduanya saya adukan')."""
        return SEVERAL_TARGETS is not None and SEVERAL_TARGETS.search(self.text.lower()) is not None

    @cached_property
    def outright_types(self) -> frozenset[str]:
        """Agency types named outright (by name or alias), not only as where the writer was sent or
        already reported to."""
        return frozenset(m.label for m in self.agencies if m.source in ("name", "alias", "provincial")
                         and not REFERRAL_BEFORE.search(before(self.text, m.start)))

    @cached_property
    def grievance_sentences(self) -> frozenset[int]:
        """Indexes of the sentences holding a grievance or maladministration cue."""
        starts = [h.start for h in (*self.malad_hits, *self.grievance_hits)]
        return frozenset(i for i, (a, b) in enumerate(self.sentences) if any(a <= s < b for s in starts))

    def sentence_of(self, pos: int) -> int:
        for i, (a, b) in enumerate(self.sentences):
            if a <= pos < b:
                return i
        return -1

    @cached_property
    def first_sentence_end(self) -> int:
        """End of the body's first sentence (subject excluded), at least 200 characters in."""
        body = self.subject_end + 2 if self.subject_end else 0
        m = SENTENCE_END.search(self.text, body + 200)
        return m.start() if m else len(self.text)


# A report number of a shape the case-ref patterns do not know ('LM-0412/2026', 'REG-2026/0331',
# '26-0089-LM', 'kode pengaduan 0412'): a follow-up cue for the kind model, never a case reference.
REPORT_SHAPE = re.compile(
    r"(?i)\b(?:(?:LM|REG|ORI|PKP|ADU|TIKET|TKT)[-/.]?\d{2,6}(?:[-/.][A-Z0-9]{2,6})+"
    r"|\d{2,4}[-/.]\d{2,6}[-/.](?:LM|REG|PKP|ORI)"
    r"|(?:kode|nomor|no\.?|nmr)\s*(?:pengaduan|laporan|registrasi|reg\.?|tiket|aduan|agenda)\s*[:.#]?\s*[A-Z0-9][A-Z0-9/.-]{2,24}\d)\b"
)
# matched on the lower-cased text (no IGNORECASE: much faster in `re` for a hundred phrases)
PRIVATE = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted((re.escape(p.strip().lower()) for p in lexicon.PRIVATE_PARTY_CUES),
                                    key=len, reverse=True)) + r")(?!\w)"
)


class FactReader:
    """Builds the tokenizer, gazetteer and place finder of one Directory once."""

    def __init__(self, directory: Directory, nlp: spacy.Language | None = None) -> None:
        self.directory = directory
        self.nlp = nlp if nlp is not None else fast_tokenizer(spacy.blank("id"))
        self.gazetteer = Gazetteer(directory, nlp=self.nlp)
        self.places = PlaceFinder(directory)
        self.region_codes = tuple(r.code for r in directory.regions)

    def read(self, message: MessageText) -> Facts:
        text = message.full_text
        scan, tables, scan_folded = scan_tables(text)
        folded = scan_folded if text.isascii() else fold(text)
        refs = find_case_refs(text, folded)
        ignored = context.ignored_ranges(text, refs, folded)
        doc = self.nlp.make_doc(text)
        matches = tuple(context.outside(self.gazetteer.find(doc), ignored))
        subject_end = len(message.subject)
        agencies = agency_vote(matches, text, subject_end)
        for generic, specific in lexicon.ABSORBED_BY:
            agencies = absorb(agencies, generic, specific)
        regions = region_vote(matches, text, subject_end)
        others = other_province_vote(matches, text)
        kind_hits = find_cues(tables["kind"], scan, scan_folded)
        kind_scores = cue_scores(kind_hits)
        grievance_hits = tuple(find_cues(tables["grievance"], scan, scan_folded))
        grievance = sum(cue_scores(grievance_hits).values())
        follow = sum(cue_scores(find_cues(tables["follow"], scan, scan_folded)).values())
        malad_hits = tuple(find_cues(tables["malad"], scan, scan_folded))
        malad_cue = {t: round(v, 2) for t, v in cue_scores(malad_hits).items()}
        agency_ms = [m for m in matches if m.category == AGENCY]
        near = bool(agency_ms) and any(near_agency(text, m, agency_ms) for ms in regions.evidence.values() for m in ms)
        rule_kind = decide_kind(Signals(
            is_auto_reply=message.is_auto_reply, subject_end=subject_end, text_length=len(text),
            kind_scores=kind_scores, kind_hits=kind_hits, grievance=grievance, follow_up=follow,
            malad_top=max(malad_cue.values(), default=0.0), case_refs=refs, agency=agencies, region=regions,
            other=others, region_near_agency=near,
        ))
        places = list(_gazetteer_places(matches, self.region_codes))
        places = _merge_places(places, self.places.find(text), ignored)
        return Facts(
            text=text, subject_end=subject_end, folded=folded, refs=tuple(refs),
            agencies=tuple(_agency_mentions(matches, text)), places=tuple(places), agency_vote=agencies,
            region_vote=regions, other_vote=others, rule_kind=rule_kind, kind_scores=kind_scores,
            grievance=grievance, follow_up=follow,
            private_cues=float(len(PRIVATE.findall(scan if scan is not text else text.lower())))
            + kind_scores.get("out_of_mandate", 0.0),
            malad_cue=malad_cue, malad_hits=malad_hits, grievance_hits=grievance_hits, confidential=tuple(confidential_hits(text, folded)),
            is_auto_reply=message.is_auto_reply,
            report_shapes=sum(1 for m in REPORT_SHAPE.finditer(text) if not context.inside(ignored, *m.span())),
        )


ACTOR_BEFORE = re.compile(r"(?:^|[^\w])(?:petugas|ptgs|oknum|pegawai|pgw|staf|karyawan|pejabat|kantor|kepala|loket|"
                          r"meja|bagian)\s+$")


def _agency_mentions(matches: Sequence[Match], text: str):
    """Agency mentions; a weak one written as an actor ('petugas BPJS', 'kantor lurah') counts as named:
    the word is weak when it names a payer or a place ('pasien BPJS'), not when it names who acted."""
    labels_at: dict[tuple[int, int], int] = {}
    for m in matches:
        if m.category == AGENCY:
            labels_at[(m.start, m.end)] = labels_at.get((m.start, m.end), 0) + 1
    for m in matches:
        if m.category == AGENCY:
            source = m.source
            if source == "weak_hint" and ACTOR_BEFORE.search(before(text, m.start, 24)):
                source = "alias"
            yield Mention(m.label, m.start, m.end, m.text, source, "exact", 1.0 / labels_at[(m.start, m.end)])


def _gazetteer_places(matches: Sequence[Match], codes: Sequence[str]):
    island_regions = lexicon.ISLAND_REGIONS
    for m in matches:
        if m.category != REGION or m.label == PROVINCE:
            continue
        if m.label in island_regions:
            regs = island_regions[m.label]
            for r in regs:
                yield Mention(r, m.start, m.end, m.text, "island", "exact", 1.0 / len(regs))
        elif m.label in codes:
            yield Mention(m.label, m.start, m.end, m.text, m.source, "exact", 1.0)


def _merge_places(found: list[Mention], extra, ignored) -> list[Mention]:
    """Gazetteer places plus the place finder's, a span the gazetteer already has kept once."""
    taken = [(m.start, m.end) for m in found]
    out = list(found)
    for p in extra:
        if context.inside(ignored, p.start, p.end):
            continue
        if any(a < p.end and p.start < b for a, b in taken):
            # the gazetteer has this span; keep the finder's trigger on it (Polsek X, Desa X)
            if p.trigger:
                out = [Mention(m.label, m.start, m.end, m.text, m.source, m.method, m.share, p.trigger)
                       if (m.start < p.end and p.start < m.end and not m.trigger) else m for m in out]
            continue
        regs = tuple(p.regions)
        for r in regs:
            out.append(Mention(r, p.start, p.end, p.text, p.level, p.method, 1.0 / len(regs), p.trigger))
    return sorted(out, key=lambda m: (m.start, m.end, m.label))


def before(text: str, start: int, width: int = 48) -> str:
    """The lower-cased text just before a mention, on its line."""
    chunk = text[max(0, start - width):start].lower()
    return chunk.rsplit("\n", 1)[-1] if "\n" in chunk else chunk


__all__ = [
    "REFERRAL_BEFORE",
    "RESIDENCE_BEFORE",
    "TARGET_BEFORE",
    "FactReader",
    "Facts",
    "Mention",
    "before",
    "scan_tables",
]
