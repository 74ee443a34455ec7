"""Weighted cue phrases (regular expressions) and the one function that finds them.

A cue table maps a label to `(pattern, weight)` pairs. `find_cues` returns every hit with its
character span, so each decision can show the words that led to it.
"""

from __future__ import annotations

import functools
import itertools
import math
import re

try:  # Python 3.11+
    from re import _compiler as _sre_compile
    from re import _constants as _sre_c
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover
    import sre_compile as _sre_compile  # type: ignore[no-redef]
    import sre_constants as _sre_c  # type: ignore[no-redef]
    import sre_parse as _sre_parse  # type: ignore[no-redef]
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

CueTable = Mapping[str, Sequence[tuple[str, float]]]


@dataclass(frozen=True)
class CueHit:
    label: str
    start: int
    end: int
    text: str
    weight: float


# --- fast, exact scanning ----------------------------------------------------------------------
# Most cue patterns cannot match a given message at all. Each compiled pattern carries the literal
# strings ("needles") of which every match must contain at least one (several such sets: every one
# must be satisfied); a pattern with a set none of whose needles occurs in the case-folded text is
# skipped. Which needles occur is found once per text for every table (one regex pass, cached for the
# last few texts), so several tables scanning one message share it. Patterns that do run are
# equivalent to the original ones (see `_finder`) over the original text, so hits (and their order)
# are exactly those of a plain scan of every pattern.

_LITERAL = _sre_c.LITERAL
_REPEATS = (_sre_c.MAX_REPEAT, _sre_c.MIN_REPEAT, getattr(_sre_c, "POSSESSIVE_REPEAT", _sre_c.MAX_REPEAT))
_ATOMIC = getattr(_sre_c, "ATOMIC_GROUP", None)

Needles = tuple[frozenset[str], ...]  # every match contains one needle of each set


_MAX_COMBINATIONS = 16
_MIN_NEEDLE = 3


def _best(options: list[frozenset[str]]) -> frozenset[str]:
    return max(options, key=lambda o: (min(len(x) for x in o), -len(o)))


def _requirements(items) -> list[frozenset[str]]:
    """Sets of lower-case ASCII strings such that every match of `items` contains one string of
    each set (empty list: nothing known)."""
    options: list[frozenset[str]] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            options.append(frozenset({"".join(run)}))
            run.clear()

    for op, av in items:
        if op is _LITERAL and av < 128:
            run.append(chr(av).lower())
            continue
        flush()
        if op is _sre_c.SUBPATTERN:
            options += _requirements(av[-1])
        elif op is _sre_c.BRANCH:
            branches = [_requirements(b) for b in av[1]]
            if branches and all(branches):
                # (a1 and a2) or b  ==  (a1 or b) and (a2 or b): every combination is required
                if math.prod(len(b) for b in branches) <= _MAX_COMBINATIONS:
                    options += [frozenset().union(*combo) for combo in itertools.product(*branches)]
                else:
                    options.append(frozenset().union(*(_best(b) for b in branches)))
        elif op in _REPEATS and av[0] >= 1:
            options += _requirements(av[2])
        elif _ATOMIC is not None and op is _ATOMIC:
            options += _requirements(av)
    flush()
    return [o for o in options if o and all(o)]


def _parsed(pattern: re.Pattern[str]):
    if not isinstance(pattern.pattern, str) or pattern.flags & (re.LOCALE | re.VERBOSE):
        return None
    try:
        return _sre_parse.parse(pattern.pattern, pattern.flags & ~re.UNICODE)
    except Exception:  # noqa: BLE001 — pragma: no cover - a pattern `re` compiled always parses
        return None


def needle_sets(pattern: re.Pattern[str]) -> Needles:
    """All needle sets of a compiled pattern (empty: always run it)."""
    parsed = _parsed(pattern)
    if parsed is None:
        return ()
    # a set holding a very short needle (' ', 'ga') is met by nearly every text: not worth a test
    sets = [o for o in dict.fromkeys(_requirements(parsed)) if min(len(x) for x in o) >= _MIN_NEEDLE]
    # a superset of another required set says nothing more; the most selective sets first
    sets = [o for o in sets if not any(other < o for other in sets)]
    return tuple(sorted(sets, key=lambda o: (-min(len(x) for x in o), len(o), sorted(o))))


def needles(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The single best needle set of a compiled pattern (None: always run it)."""
    sets = needle_sets(pattern)
    return _best(list(sets)) if sets else None


# `re` scans a pattern that starts with \b by trying every position of the text; one that starts
# with a literal, a character class or a branch of those first skips (in C) to a position holding a
# possible first character. \bX, for X a literal run or a class, matches exactly where X(?<=\bX)
# matches (same span, same text), so the \b is moved behind X as a look-behind, through branches.
_AT_BOUNDARY = (_sre_c.AT, _sre_c.AT_BOUNDARY)


def _plain_group(op, av) -> bool:
    return op is _sre_c.SUBPATTERN and av[0] is None and not av[1] and not av[2]


def _lift_boundary(seq: list, state) -> list | None:
    """`seq` (which follows a \b) rewritten to carry that \b as a look-behind after its first
    literal run or class; None when some alternative does not start with one."""
    if not seq:
        return None
    op, av = seq[0]
    if op is _LITERAL:
        n = 1
        while n < len(seq) and seq[n][0] is _LITERAL:
            n += 1
    elif op is _sre_c.IN:
        n = 1
    elif op is _sre_c.BRANCH or _plain_group(op, av):
        if op is _sre_c.BRANCH:
            alts = av[1]
        else:
            inner = list(av[3].data)
            if len(inner) != 1 or inner[0][0] is not _sre_c.BRANCH:
                return _lift_boundary(inner + list(seq[1:]), state)
            alts = inner[0][1][1]
        lifted = [_lift_boundary(list(alt.data), state) for alt in alts]
        if any(a is None for a in lifted):
            return None
        return [(_sre_c.BRANCH, (None, [_sre_parse.SubPattern(state, a) for a in lifted])), *list(seq[1:])]
    else:
        return None
    head = list(seq[:n])
    behind = _sre_parse.SubPattern(state, [_AT_BOUNDARY, *head])
    return [*head, (_sre_c.ASSERT, (-1, behind)), *list(seq[n:])]


def _finder(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """A pattern with exactly the matches of `pattern`, faster to search (or `pattern` itself)."""
    parsed = _parsed(pattern)
    if parsed is None or parsed.state.groups > 1 or not parsed.data or parsed.data[0] != _AT_BOUNDARY:
        return pattern
    lifted = _lift_boundary(list(parsed.data[1:]), parsed.state)
    if lifted is None:
        return pattern
    try:
        return _sre_compile.compile(_sre_parse.SubPattern(parsed.state, lifted), pattern.flags)
    except Exception:  # noqa: BLE001 — pragma: no cover - keep the original when `re` refuses the rewrite
        return pattern


# A case-insensitive pattern naming no capital letter matches an ASCII text exactly where the same
# pattern without IGNORECASE matches the text lower-cased (ASCII lower-casing keeps every offset;
# a lower-case literal, class or range matches an ASCII character case-insensitively exactly when it
# matches its lower case). `re` runs the latter much faster, and can skip to a first character.
_SAFE_ESCAPES = re.compile(r"\\[bBdDsSwWAZ]")
_UNSAFE = re.compile(r"[A-Z]|\\[xuUN0-9]|\(\?[aiLmsux-]|\(\?P=")


def _lower_finder(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """For a case-insensitive `pattern` without capitals: the finder to run on `text.lower()` of an
    ASCII text (see above); None otherwise."""
    if not isinstance(pattern.pattern, str) or not pattern.flags & re.IGNORECASE:
        return None
    if pattern.flags & (re.LOCALE | re.VERBOSE) or _UNSAFE.search(_SAFE_ESCAPES.sub("", pattern.pattern)):
        return None
    return _finder(re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE))


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_LETTERS = tuple((chr(c + 32), re.compile(chr(c + 32), re.IGNORECASE)) for c in range(ord("A"), ord("Z") + 1))


def fold(text: str) -> str:
    """`text` for needle tests: ASCII letters lower-cased, and any other character that a
    case-insensitive regex letter matches (e.g. KELVIN SIGN, LONG S) turned into that letter."""
    if text.isascii():
        return text.lower()
    table = dict(_ASCII_LOWER)
    for c in set(text):
        if c > "\x7f":
            for letter, pat in _LETTERS:
                if pat.fullmatch(c):
                    table[ord(c)] = letter
                    break
    return text.translate(table)


class _NeedleIndex:
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
        trie: dict = {}
        for word in self._needles:
            node = trie
            for ch in word:
                node = node.setdefault(ch, {})
            node[""] = {}

        def alternation(node: dict) -> str:
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


_NEEDLE_INDEX = _NeedleIndex()


def present_needles(folded: str) -> frozenset[str]:
    """The needles of all compiled tables that occur in `folded` (= `fold(text)`)."""
    return _NEEDLE_INDEX.present(folded)


def may_match(need: Needles, present: frozenset[str]) -> bool:
    """False when a pattern with needle sets `need` cannot match a text with needles `present`."""
    return all(not options.isdisjoint(present) for options in need)


# label, pattern, weight, needles, finder, finder on the lower-cased text of an ASCII text (or None)
ScanEntry = tuple[str, re.Pattern[str], float, Needles, re.Pattern[str], re.Pattern[str] | None]


class CompiledTable(dict):
    """label -> [(pattern, weight)], as before, plus each pattern's needles and faster finder
    (fixed at build time)."""

    def __init__(
        self,
        compiled: Mapping[str, Sequence[tuple[re.Pattern[str], float]]],
        _scan: tuple[ScanEntry, ...] | None = None,
    ) -> None:
        super().__init__((label, list(pairs)) for label, pairs in compiled.items())
        self.scan: tuple[ScanEntry, ...] = (
            _scan
            if _scan is not None
            else tuple(
                (label, pat, w, needle_sets(pat), _finder(pat), _lower_finder(pat))
                for label, pairs in self.items()
                for pat, w in pairs
            )
        )
        _NEEDLE_INDEX.add(n for entry in self.scan for options in entry[3] for n in options)

    def subset(self, labels: Sequence[str]) -> CompiledTable:
        """The table restricted to `labels`, in the order given (unknown labels are dropped);
        the needles are reused, not recomputed."""
        keep = list(dict.fromkeys(t for t in labels if t in self))
        by_label = {t: tuple(e for e in self.scan if e[0] == t) for t in keep}
        return CompiledTable({t: self[t] for t in keep}, tuple(e for t in keep for e in by_label[t]))


def compile_table(table: CueTable) -> CompiledTable:
    return CompiledTable(
        {label: [(re.compile(p, re.IGNORECASE), w) for p, w in pairs] for label, pairs in table.items()}
    )


def find_cues(
    compiled: Mapping[str, Sequence[tuple[re.Pattern[str], float]]], text: str, folded: str | None = None
) -> list[CueHit]:
    """Every non-empty match of every pattern, ordered by (start, -end). `folded` may pass
    `fold(text)` when several tables scan the same text."""
    if not isinstance(compiled, CompiledTable):
        compiled = CompiledTable(compiled)
    if folded is None:
        folded = fold(text)
    present = _NEEDLE_INDEX.present(folded)
    low: str | None = None  # text.lower() for an ASCII text ("" otherwise), when first needed
    hits = []
    for label, _pattern, weight, need, finder, lower_finder in compiled.scan:
        for options in need:  # may_match(need, present), inlined
            if options.isdisjoint(present):
                break
        else:
            if lower_finder is not None and low is None:
                low = text.lower() if text.isascii() else ""
            if lower_finder is not None and low:
                for m in lower_finder.finditer(low):
                    start, end = m.span()
                    if end > start:
                        hits.append(CueHit(label, start, end, text[start:end], weight))
                continue
            for m in finder.finditer(text):
                if m.end() > m.start():
                    hits.append(CueHit(label, m.start(), m.end(), m.group(0), weight))
    return sorted(hits, key=lambda h: (h.start, -h.end))


def scores(hits: Sequence[CueHit], *, repeat_factor: float = 0.3) -> dict[str, float]:
    """Per label: the weight of each distinct phrase once, repeats count a little."""
    seen: dict[tuple[str, str], int] = {}
    out: dict[str, float] = {}
    for h in hits:
        key = (h.label, h.text.lower())
        n = seen.get(key, 0)
        seen[key] = n + 1
        out[h.label] = out.get(h.label, 0.0) + (h.weight if n == 0 else h.weight * repeat_factor)
    return out


# --- kind of message --------------------------------------------------------------------------
KIND_CUES: CueTable = {
    "auto_reply": [
        (r"\b(?:automatic|auto)[ -]?reply\b", 3.0),
        (r"\bbalasan otomatis\b", 3.0),
        (r"\bout of (?:the )?office\b", 3.0),
        (r"\[auto\]", 3.0),
        (r"\b(?:pesan|surel|email|e-mail) (?:ini )?(?:dikirim|dibuat) (?:secara )?otomatis\b", 3.0),
        (r"\bautomatically generated\b", 3.0),
        (r"\bpesan otomatis\b", 2.5),
        (r"\bdikirim secara otomatis\b", 2.5),
        (r"\b(?:sedang|saat ini) (?:menjalankan )?cuti\b", 1.5),
        (r"\bcuti (?:tahunan|bersama)\b", 1.0),
        (r"\bannual leave\b", 1.5),
        (r"\b(?:limited|no) access to (?:e-?mail)\b", 1.5),
        (r"\bakses (?:e-?mail|surel) terbatas\b", 1.5),
        (r"\b(?:perjalanan|dinas) (?:dinas )?(?:ke )?luar (?:daerah|kota|kantor)\b", 1.0),
        (r"\bdi luar kantor\b", 1.0),
        (r"\bmohon (?:untuk )?tidak membalas\b", 1.5),
        (r"\bwill (?:return|reply)\b", 1.0),
        (r"\b(?:telah|sudah) kami terima\b", 0.8),
        (r"\bnomor tiket\b", 0.8),
        (r"\bsetelah saya kembali\b", 1.0),
        (r"\bsepulangnya\b", 1.0),
    ],
    "spam": [
        (r"\btanpa (?:jaminan|bi checking|agunan|survei)\b", 2.0),
        (r"\bcepat cair\b|\blangsung cair\b|\bproses 1 ?(?:x ?24 jam|hari)\b", 2.0),
        (r"\b(?:pinjaman|dana) (?:dana|tunai|cepat)\b", 1.5),
        (r"\bbunga (?:ringan|mulai|hanya)\b", 1.5),
        (r"\b(?:pemenang|undian|hadiah)\b", 1.0),
        (r"\b(?:klik|click) (?:tautan|link|di sini|here)\b", 2.0),
        (r"\bverifikasi (?:akun|sekarang)\b|\bvalidasi akun\b", 2.0),
        (r"\b(?:kotak surat|mailbox)\b", 1.5),
        (r"\bkata sandi\b|\bpassword\b", 1.5),
        (r"\bdiskon \d+ ?%", 2.0),
        (r"\bpenawaran\b", 1.0),
        (r"\bprofit\b|\btrading\b|\bcrypto\b|\bdeposit\b", 1.5),
        (r"\bparcel\b|\btracking no\b|\bcustoms\b", 1.5),
        (r"\bunsubscribe\b", 1.5),
        (r"\bhttps?://\S+", 1.0),
        (r"\bterpilih sebagai\b", 1.5),
        (r"\bkhusus (?:bulan ini|instansi)\b", 1.0),
        (r"\bdear (?:user|customer|friend)\b", 1.5),
        (r"\bperkenalkan, kami\b|\bkami dari (?:pt|cv)\b", 1.5),
    ],
    "thanks": [
        (r"\b(?:ucapan )?terima ?kasih (?:banyak|yang sebesar-besarnya|sebesar-besarnya)\b", 1.0),
        (r"\bmengucapkan terima ?kasih\b|\bmenyampaikan terima ?kasih\b", 1.5),
        (r"\bucapan terima ?kasih\b", 2.0),
        (r"\bmakasih banyak\b", 1.0),
        (r"\balhamdulillah\b", 1.0),
        ((r"\b(?:sudah|sdh|udah|udh|telah) (?:jadi|selesai|diserahkan|diantar|dibalikin|dikembalikan|"
         r"normal|mengalir|cair|terbit|menyala|kami terima|saya terima|saya ambil|bisa diambil)\b"), 1.0),
        (r"\bsemoga (?:sehat|berkah|pelayanan|ombudsman)\b|\bsmg berkah\b", 1.0),
        (r"\bsudah bantu\b|\budh bantu\b|\bsdh bantu\b|\batas bantuan", 0.5),
    ],
    "inquiry": [
        (r"\b(?:mau|ingin|izin|boleh|sekedar) (?:ber)?tanya\b|\bmau nanya\b|\bmau tny\b", 2.0),
        (r"\bpertanyaan\b", 1.0),
        (r"\bapakah (?:ombudsman|saya|asn|identitas|nama|laporan|perlu|bisa|harus)\b", 1.0),
        (r"\bbagaimana (?:cara|prosedur|caranya)\b|\bcara (?:melapor|lapor)\b", 1.5),
        (r"\b(?:syarat|persyaratan)nya apa\b|\bsyaratnya apa saja\b|\bperlu bawa\b", 1.0),
        (r"\bbuka (?:hari )?sabtu\b|\bjam (?:kerja|buka|layanan) kantor\b|\bkantornya di mana\b", 2.0),
        (r"\bada biaya(?:nya)?\b|\bberbayar\b", 1.0),
        (r"\b(?:penelitian|skripsi|wawancara|sosialisasi|permohonan informasi|permohonan data)\b", 1.5),
        (r"\bcan (?:a|i)\b.*\?|\bwould like to ask\b|\bwhether\b", 1.0),
        (r"\bke mana (?:saya|kami|ya|sebaiknya)\b|\blapornya ke\b|\bharus lapor (?:ke )?(?:mana|kemana)\b", 1.0),
    ],
    "out_of_mandate": [
        (r"\bswasta\b", 2.0),
        (r"\bleasing\b|\bfinance\b|\bperusahaan pembiayaan\b|\bdebt collector\b", 2.5),
        (r"\bpinjol\b|\bpinjaman online\b|\baplikasi pinjaman\b", 2.5),
        (r"\bdeveloper\b|\bpengembang perumahan\b", 2.5),
        (r"\bmarketplace\b|\bolshop\b|\bonline ?shop\b|\btoko online\b|\bpenjual\b", 2.0),
        (r"\bekspedisi\b|\bjasa pengiriman\b|\bkurir\b|\bresi\b", 1.5),
        (r"\basuransi\b", 1.5),
        (r"\byayasan\b", 1.5),
        (r"\bkoperasi\b", 2.0),
        (r"\btravel (?:umroh|umrah)\b|\bbiro (?:perjalanan|travel)\b|\bjemaah\b|\bjamaah\b", 2.0),
        (r"\btetangga (?:saya|sebelah|kami)\b|\bmilik tetangga\b", 1.0),
        (r"\b(?:me)?lapor(?:kan)? tetangga\b|\bmengadukan tetangga\b", 2.0),
        (r"\b(?:gaji|upah|thr|lembur)\b", 0.7),
        (r"\b(?:gak|ga|tidak|tdk|belum|blm) (?:pernah )?(?:di)?daftar(?:kan|in)\b", 1.0),
        (r"\b(?:kerja|bekerja|karyawan|pekerja) (?:di|pada) (?:toko|perusahaan|pabrik|cv|pt)\b", 1.5),
        (r"\b(?:pemilik|bos|majikan|koko) (?:perusahaan|toko)?\b", 0.5),
        (r"\bKPR\b|\bnasabah\b|\bdebitur\b", 1.0),
        (r"\b(?:PT|CV)\.? [A-Z][a-z]+(?: [A-Z][a-z]+)+", 1.0),
        (r"\bwalet\b", 2.0),
        (r"\bbank swasta\b", 2.0),
    ],
}

# Words that show a grievance against someone (used to tell complaints from thanks/inquiries).
GRIEVANCE: CueTable = {
    "grievance": [
        ((r"\b(?:belum|blm|tidak|tdk|gak|ga|nggak|dak) (?:juga )?(?:ada|jadi|bisa|diproses|dilayani|"
         r"dibayar|cair|terbit|keluar|menyala|mengalir|diterima|ditanggapi|dijawab|selesai)\b"), 1.0),
        (r"\bmohon (?:ditindaklanjuti|bantuan|dibantu|ditegur|diperiksa)\b|\btolong (?:dibantu|ditindak)\b", 1.0),
        (r"\bmengadu(?:kan)?\b|\bpengaduan\b|\bkeluhan\b|\bkomplain\b|\bmelaporkan\b", 1.0),
        (r"\bdimintai\b|\bdiminta (?:uang|bayar|membayar)\b|\bpungli\b", 1.0),
        (r"\bditolak\b|\bmenolak\b|\bdibentak\b|\bdimarahi\b", 1.0),
        (r"\bsudah \d+ (?:bulan|minggu|tahun|kali)\b", 1.0),
    ],
}

# A report to the Ombudsman being followed up (with or without a number).
FOLLOW_UP_CUES: CueTable = {
    "follow_up": [
        (r"\b(?:menindaklanjuti|menyusul|menyambung|menunjuk|terkait|atas) laporan (?:saya|kami)\b", 2.0),
        (r"\blaporan (?:saya|kami) (?:nomor|no\.?|reg)", 2.0),
        (r"\b(?:perkembangan|status) laporan\b", 1.5),
        (r"\b(?:tambahan|susulan) (?:informasi|bukti|dokumen)\b|\bbukti tambahan\b|\bdokumen tambahan\b", 1.0),
        (r"\byang (?:lapor|melapor) (?:soal|ttg|tentang)\b|\byg lapor\b", 1.5),
    ],
}

CONFIDENTIAL: tuple[str, ...] = (
    (r"\b(?:identitas|nama|data(?: diri)?)(?: saya| kami| pelapor)?\s+(?:mohon\s+|harap\s+|agar\s+|supaya\s+|tolong\s+)?"
    r"(?:di)?rahasiakan\b"),
    r"\b(?:mohon|tolong|harap|minta|agar|supaya)\s+(?:di)?rahasiakan\b",
    r"\brahasiakan (?:identitas|nama|data)\b",
    (r"\bjangan (?:di)?(?:sebut|sebutkan|cantumkan|tulis|beritahu|beri tahu|buka|bocorkan|kasih tahu)"
    r"(?:kan)? (?:nama|identitas|data)\b"),
    (r"\b(?:nama|identitas) (?:saya |kami )?(?:jangan|tidak usah|tdk usah|jgn) (?:di)?"
    r"(?:sebut|cantum|buka|beritahu|kasih)"),
    r"\bjgn (?:sebut|sebutkan|kasih tau|kasih tahu) nama\b",
    r"\btanpa (?:menyebut|mencantumkan|menyebutkan) nama saya\b",
    r"\bnama dirahasiakan\b",
    r"\bminta anonim\b|\bsecara anonim\b|\bsebagai anonim\b",
)
