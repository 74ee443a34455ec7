"""Places of the province as people actually write them (pure Python, no spaCy).

`PlaceFinder(directory).find(text)` returns the mentions of the province's regencies, capitals,
kecamatan, kelurahan/desa and islands in a text, written the way complaints write them:

- after a context word ('Desa X', 'Kel. X', 'Kec. X', 'Dusun X', 'Polsek X', 'Puskesmas X', 'KUA
  Kecamatan X', 'SD Negeri 3 X', 'kantor camat X', 'warga desa x', 'kampung kamek X', 'di X',
  'Jl. <jalan>, X'): the name may be lower case, and names that are everyday words are accepted;
- without one: a capitalised name, or a multi-word name written exactly ('tanjung pandan');
- in other spellings: the rules of `SPELLING_RULES` (Tj./Tg. for Tanjung, Sei/Sui/S. for Sungai,
  Aek for Air, spaces dropped or added) and `lexicon.PLACE_VARIANTS` ('Mentok' for 'Muntok');
- with OCR noise and typos (l/1/I, O/0, rn/m, cl/d, vv/w, a letter dropped or doubled): only on
  candidate spans (after a context word, or capitalised words that are not common words) and only for
  names of 5 letters or more, by `rapidfuzz` on a normalised form.

Names of the office's own province ('Bangka Belitung', 'Babel') and of other provinces ('Palembang',
'Jakarta') are recognised only to be skipped: they are never reported, nor fuzzily matched to a place
of this province. A name that lies in two regencies is reported with both region codes.

Everything is computed in `__init__`: an index of normalised 1-6 word keys (lower case, spaces removed,
OCR look-alikes folded to one letter) -> places, and the set of their prefixes, so that `find` walks
only the words that may start a name; rapidfuzz runs on the few candidate spans, with a cache.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import fuzz, process

from classify import lexicon
from classify.wilayah import kelurahan_by_region, name_variants, other_province_places
from core.directory import Directory

# --- the public face -------------------------------------------------------------------------

LEVELS = ("regency", "capital", "kecamatan", "kelurahan", "town", "island")
METHODS = ("exact", "variant", "fuzzy", "context")


@dataclass(frozen=True)
class PlaceMention:
    start: int  # char offsets into the text given
    end: int
    text: str  # the text as written
    name: str  # canonical place name (as areaid / config/directory.yaml write it)
    level: str  # "regency" | "capital" | "kecamatan" | "kelurahan" | "town" | "island"
    regions: tuple[str, ...]  # region codes the name can belong to; more than one = ambiguous
    method: str  # "exact" | "variant" | "fuzzy" | "context"
    score: float  # 0..1 match quality (1.0 exact)
    trigger: str  # the context word before it, lower case ("desa", "kec", "di", "jl", ...) or ""


# method: "exact"   written as the directory / areaid write the name (case and spaces aside:
#                   'TANJUNG PANDAN'), score 1.0;
#         "variant" another known spelling (SPELLING_RULES, spaces dropped/added, lexicon.PLACE_VARIANTS,
#                   'Kab.'/'Pemkab'), score VARIANT_SCORE;
#         "fuzzy"   OCR look-alikes or a typo (rapidfuzz), 0 < score < 1;
#         "context" an exact or variant spelling accepted only because of the context word before it
#                   (a lower-case name, or a name that is an everyday word: 'Kec. Kelapa', 'desa kace').
# level:  "regency" (name or alias of a kabupaten/kota), "capital" (its capital), "kecamatan",
#         "kelurahan" (kelurahan/desa), "island" (Pulau Bangka / Belitung). "town" is reserved: no
#         source gives towns that are not one of these today.
# trigger: the last context word of a chain ('di Kec. X' -> "kec"; 'warga desa x' -> "desa"), in a
#         fixed form: "desa" (Desa, Ds.), "kel", "kec", "dusun", "kampung", "polsek", "puskesmas",
#         "kua", "camat"/"kantor camat", "lurah", "sd negeri"/"smp negeri"/..., "jl" (after a street
#         and a comma), "di", "dari", "ke", "warga", ...


# --- spelling rules (rules, not names) -------------------------------------------------------

# A word of a name -> other ways of writing it (applied to one word at a time, in both directions
# where the pairs say so). Punctuation is not part of a word: 'Tj.' is 'tj', 'S.' is 's'.
SPELLING_RULES: dict[str, tuple[str, ...]] = {
    "tanjung": ("tj", "tg", "tanjong"),
    "tanjong": ("tanjung", "tj", "tg"),
    "sungai": ("sei", "sui", "s", "sungei"),
    "air": ("aek", "aik"),
    "aik": ("air", "aek"),
    "aek": ("air", "aik"),
    "kampung": ("kampong", "kp"),
    "kampong": ("kampung", "kp"),
    "kabupaten": ("kab",),
    "kelurahan": ("kel",),
    "kecamatan": ("kec",),
    "desa": ("ds",),
}
# Words a one-word name may start with ('Sungailiat' = 'Sungai' + 'liat'): the rules apply to them too.
_COMPOUND_HEADS = ("sungai", "tanjung", "tanjong", "air", "aik")

# --- context words ---------------------------------------------------------------------------

# lower-case word -> (trigger label, strong?, level hint). A strong trigger names a place kind
# ('Desa', 'Kec.'); a weak one is only a preposition or 'warga' ('di', 'dari', 'warga').
_T = tuple[str, bool, str]
TRIGGERS: dict[str, _T] = {
    "desa": ("desa", True, "kelurahan"), "ds": ("desa", True, "kelurahan"),
    "kelurahan": ("kel", True, "kelurahan"), "kel": ("kel", True, "kelurahan"),
    "kelurahaan": ("kel", True, "kelurahan"), "kelur": ("kel", True, "kelurahan"),
    "dusun": ("dusun", True, "kelurahan"), "dsn": ("dusun", True, "kelurahan"),
    "kampung": ("kampung", True, "kelurahan"), "kampong": ("kampung", True, "kelurahan"),
    "kp": ("kampung", True, "kelurahan"), "kpg": ("kampung", True, "kelurahan"),
    "lurah": ("lurah", True, "kelurahan"),
    "kades": ("desa", True, "kelurahan"), "pustu": ("pustu", True, "kelurahan"),
    "kecamatan": ("kec", True, "kecamatan"), "kec": ("kec", True, "kecamatan"),
    "kecamtan": ("kec", True, "kecamatan"), "camat": ("camat", True, "kecamatan"),
    "polsek": ("polsek", True, "kecamatan"), "koramil": ("koramil", True, "kecamatan"),
    "kua": ("kua", True, "kecamatan"), "puskesmas": ("puskesmas", True, ""),
    "pkm": ("puskesmas", True, ""),
    "di": ("di", False, ""), "dari": ("dari", False, ""), "dr": ("dari", False, ""), "ke": ("ke", False, ""),
    "warga": ("warga", False, ""), "asal": ("asal", False, ""), "daerah": ("daerah", False, ""),
    "wilayah": ("wilayah", False, ""), "sekitar": ("sekitar", False, ""),
    "kota": ("kota", False, ""), "kab": ("kab", False, ""), "kabupaten": ("kab", False, ""),
    "penduduk": ("penduduk", False, ""),
}
# School words: 'SD Negeri 3 X', 'SDN 12 X', 'SMP Negeri 1 X' (label, needs 'negeri'/'n' or a number?)
_SCHOOLS: dict[str, tuple[str, bool]] = {
    "sd": ("sd negeri", True), "smp": ("smp negeri", True), "sma": ("sma negeri", True),
    "smk": ("smk negeri", True), "mts": ("mts negeri", True),
    "sdn": ("sd negeri", False), "smpn": ("smp negeri", False), "sman": ("sma negeri", False),
    "smkn": ("smk negeri", False), "mtsn": ("mts negeri", False),
}
_SCHOOL_NUMBER = re.compile(r"\d{1,3}|[ivx]{1,4}")
# 'desa kamek X', 'kampung kami X': a possessive between the trigger and the name
_POSSESSIVES = frozenset({"kamek", "kami", "kita", "kite", "kito", "saya", "sy", "aku", "ku", "gue",
                          "kmi", "kmk"})
_STREETS = frozenset({"jl", "jln", "jalan"})
_STREET_WORDS = frozenset({"no", "nomor", "km", "rt", "rw", "gg", "gang", "blok", "kav", "raya"})
# Titles before a person's name: the capitalised words after them are not places ('Ibu Kelapa').
HONORIFICS = frozenset({
    "bapak", "bpk", "bp", "pak", "ibu", "ibuk", "bu", "sdr", "sdri", "sdra", "saudara", "saudari",
    "tn", "tuan", "ny", "nyonya", "nona", "nn", "mas", "mbak", "mba", "kak", "kakak", "bang", "abang",
    "adik", "dik", "om", "tante", "alm", "almh", "almarhum", "almarhumah", "hj", "haji", "dr", "drg",
    "drs", "dra", "ir", "prof", "an", "pa", "buk",
})

# Capitalised words never tried fuzzily (common words, titles, months, days, office words).
COMMON_WORDS = frozenset(["saya", "kami", "kita", "mereka", "anda", "beliau", "dia", "yang", "dan", "atau", "tetapi", "namun", "karena", "sehingga", "sejak", "sampai", "setelah", "sebelum", "ketika", "waktu", "tanggal", "hari", "bulan", "tahun", "minggu", "senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september", "oktober", "november", "desember", "terima", "kasih", "hormat", "salam", "selamat", "pagi", "siang", "sore", "malam", "assalamualaikum", "wassalamualaikum", "wassalam", "yth", "kepada", "perihal", "hal", "lampiran", "nomor", "dengan", "untuk", "dalam", "pada", "oleh", "bahwa", "mohon", "demikian", "atas", "perhatian", "pelapor", "terlapor", "ombudsman", "kantor", "dinas", "badan", "kepala", "rumah", "sakit", "umum", "kabupaten", "provinsi", "pemerintah", "republik", "indonesia", "negeri", "sekolah", "pelayanan", "kesehatan", "pendidikan", "sosial", "polisi", "polres", "pengaduan", "laporan", "keluhan", "surat", "tanpa", "sudah", "belum", "tidak", "bukan", "jadi", "lalu", "kemudian", "akhirnya", "sekarang", "besok", "kemarin", "tolong", "harap", "apakah", "kenapa", "mengapa", "bagaimana", "kapan", "dimana", "siapa", "sebagai", "berikut", "nama", "alamat", "telepon", "email", "pekerjaan", "agama", "islam", "kristen", "status", "identitas", "uraian", "kronologi", "tuntutan", "harapan", "bukti", "catatan", "keterangan", "total", "biaya", "jumlah", "dari", "ini", "itu", "ada", "sebab", "selain", "juga", "bahkan", "padahal", "meskipun", "walaupun", "apabila", "jika", "kalau", "maka", "adapun", "berdasarkan", "sehubungan", "menurut", "katanya", "mungkin", "semua", "setiap", "beberapa", "banyak", "para", "sebagian", "perwakilan", "bangka", "belitung", "kepulauan", "pusat", "cabang", "bagian", "kepolisian", "sektor", "resor", "daerah", "wilayah", "pengadilan", "kejaksaan", "agama", "negara", "nasional", "sertifikat", "pertanahan", "listrik", "negara", "kesehatan", "ketenagakerjaan", "tenaga", "kerja", "jaminan", "pajak", "pendapatan", "keuangan", "perhubungan", "pekerjaan", "penataan", "ruang", "perumahan", "permukiman", "lingkungan", "hidup", "kependudukan", "pencatatan", "sipil", "penanaman", "modal", "terpadu", "satu", "pintu", "kementerian", "direktorat", "jenderal", "bidang", "seksi", "subbag", "kasubag", "kabid", "kadis", "kasi", "staf", "petugas", "pegawai", "operator", "admin", "sekretaris", "sekretariat", "ketua", "anggota", "wakil", "direktur", "manajer", "pimpinan", "pemohon", "warga", "masyarakat", "penduduk", "pasien", "siswa", "murid", "guru", "orang", "tua", "anak", "istri", "suami", "keluarga", "kakak", "adik", "bapak", "ibu", "almarhum", "sdr", "saudara", "yang", "terhormat", "dengan", "hormat", "tembusan", "arsip", "pertinggal", "mengetahui", "menyetujui", "disampaikan", "ditujukan", "permohonan", "pengajuan", "keberatan", "klarifikasi", "tanggapan", "rekomendasi", "hasil", "pemeriksaan", "tindak", "lanjut", "penyelesaian", "mediasi", "konsiliasi", "laporan", "masyarakat", "tersebut", "setempat", "lain", "sebelah", "terdekat", "sana", "sini", "situ", "mana", "sendiri", "juga", "pun", "lagi", "saja", "sih", "kok", "sy"])

# Names of places of the province that are also everyday words or personal names, beyond the
# lexicon's lists: like lexicon.GUARDED_PLACE_NAMES, they need a context word.
EXTRA_GUARDED = frozenset({
    "ramadhon", "romadhoni", "bacang", "mancung", "kacung", "berok", "kapit", "limbung", "mangka",
    "fajar indah", "sinar bulan", "sinar manik", "sinar jaya", "panca tunggal", "opas indah",
})

# --- normalisation ---------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
# the next word after a position, and what lies between: inside a name only spaces, one '.', '-' or "'"
_NEXT = re.compile(r"([^\S\n]*)([.\-'’]?)([^\S\n]*)([^\W_]+)")
# after a context word: spaces, '.', ':' or '/', and at most one line break ('Desa :\n Kace')
_AFTER_TRIGGER = re.compile(r"[^\S\n]*[.:/]?[^\S\n]*:?[^\S\n]*\n?[^\S\n]*([^\W_]+)")
_COMMA_WORD = re.compile(r"[^\S\n]*,[^\S\n]*([^\W_]+)")
_OCR_TABLE = str.maketrans({"1": "l", "i": "l", "|": "l", "!": "l", "0": "o", "ı": "l", "í": "l"})
_BLOCK = "block"
_LEVEL_RANK = {"capital": 0, "regency": 1, "kecamatan": 2, "kelurahan": 3, "town": 4, "island": 5}

# Fuzzy cut-offs (rapidfuzz ratio, 0-100): after a place word, and for capitalised words alone.
FUZZY_CUTOFF_TRIGGER = 85.0
FUZZY_CUTOFF_FREE = 88.0
MIN_FUZZY_LETTERS = 5  # names (and spans) shorter than this are matched exactly or not at all
MIN_FREE_LETTERS = 4  # shorter names need a strong context word ('Desa Zed')
VARIANT_SCORE = 0.95


def ocr_fold(word: str) -> str:
    """One lower-case word with OCR look-alikes folded to one letter: 'Sungai1iat' -> 'sungalllat'."""
    w = word.lower().translate(_OCR_TABLE)
    if "rn" in w:
        w = w.replace("rn", "m")
    if "cl" in w:
        w = w.replace("cl", "d")
    if "vv" in w:
        w = w.replace("vv", "w")
    return w


def _words(phrase: str) -> list[str]:
    return _WORD.findall(phrase.lower())


def _keys(words: Sequence[str]) -> tuple[str, ...]:
    """The index keys of a spelling: folded word by word and joined, and folded as one word
    (they differ when a look-alike spans a word boundary: 'Air Nyatoh' / 'Airnyatoh')."""
    return tuple(dict.fromkeys(("".join(ocr_fold(w) for w in words), ocr_fold("".join(words)))))


def _trie_regex(words: Iterable[str]) -> str:
    """One regex alternation of `words`, factored by common prefixes (re tries it fast)."""
    trie: dict = {}
    for w in words:
        node = trie
        for c in w:
            node = node.setdefault(c, {})
        node[""] = {}

    def emit(node: dict) -> str:
        alts = [re.escape(c) + emit(sub) for c, sub in sorted(node.items()) if c]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return "(?:" + emit(trie) + ")"


def rule_spellings(phrase: str) -> set[tuple[str, ...]]:
    """Word sequences of other spellings of `phrase` by SPELLING_RULES (one word changed at a time)."""
    words = _words(phrase)
    out: set[tuple[str, ...]] = set()
    for i, w in enumerate(words):
        for alt in SPELLING_RULES.get(w, ()):
            out.add((*words[:i], alt, *words[i + 1 :]))
        for head in _COMPOUND_HEADS:
            if w.startswith(head) and len(w) - len(head) >= 3:
                rest = w[len(head) :]
                for alt in (head, *SPELLING_RULES.get(head, ())):
                    out.add((*words[:i], alt, rest, *words[i + 1 :]))
    out.discard(tuple(words))
    return out


# --- the index -------------------------------------------------------------------------------


class _Place(NamedTuple):
    name: str
    level: str  # one of LEVELS, or _BLOCK (a name that is recognised only to be skipped)
    regions: tuple[str, ...]
    guard: int  # 0 free; 1 needs a context word (capitalised after 'di'); 2 needs a strong one
    cased: bool  # an acronym that is a place only in capitals ('PKP')


class _Ctx(NamedTuple):
    label: str
    strong: bool
    hint: str  # level the context word points to ("kecamatan", "kelurahan") or ""
    depth: int = 1  # context words in the chain so far ('di Kec.' = 2)


_MAX_CHAIN = 4  # context words chained before a name ('warga desa kamek', 'di Jl. X, Kec.')


class _Entry:
    """Everything the index holds for one key."""

    __slots__ = ("exact", "places", "plain", "target", "variant")

    def __init__(self) -> None:
        self.places: list[_Place] = []
        self.exact: set[str] = set()  # spellings as written ('tanjung pandan')
        self.variant: set[str] = set()  # spellings without spaces, by rule or lexicon ('tjpandan')
        self.plain = ""  # one spelling without spaces, for scoring fuzzy matches
        self.target = False  # a spelling of the data or the lexicon (not of a rule): fuzzy target


class PlaceFinder:
    """Place mentions of the directory's province in free text; build once, `find` many times."""

    def __init__(
        self, directory: Directory, variants: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        self.directory = directory
        if variants is None:
            variants = getattr(lexicon, "PLACE_VARIANTS", None) or {}
        self._index: dict[str, _Entry] = {}
        self._first_words: set[str] = set()
        self._build(directory, variants)
        self._prefixes: frozenset[str] = frozenset(
            k[:n] for k in self._index for n in range(1, len(k) + 1)
        )
        # keys that are the start of a longer name ('kelapa' of 'kelapa kampit')
        self._proper_prefixes = frozenset(p for k in self._index for p in self._prefixes_of(k))
        self._max_words = 6
        # fuzzy choices: keys of 5+ letters, for a strong context (all but skip-guarded names) and
        # for free capitalised words (unguarded names and the skipped places of elsewhere)
        strong, free = [], []
        for key, entry in self._index.items():
            if len(key) < MIN_FUZZY_LETTERS or not entry.target:
                continue
            guard = min(p.guard for p in entry.places)
            if guard <= 1:
                strong.append(key)
            if guard == 0:
                free.append(key)
        self._choices = {True: sorted(strong), False: sorted(free)}
        self._windows: dict[tuple[bool, int, str], list[str]] = {}
        self._fuzzy_cache: dict[tuple[str, bool], tuple[str, float] | None] = {}
        self._fold_cache: dict[str, str] = {}
        # words never tried fuzzily: COMMON_WORDS and the words of the directory's agency names,
        # aliases and service hints (and the lexicon's), unless they are a place name themselves
        agency_words = set()
        for t in directory.agency_types:
            for phrase in (t.name, *t.aliases, *t.service_hints, *lexicon.EXTRA_AGENCY_ALIASES.get(t.id, ()),
                           *lexicon.EXTRA_SERVICE_HINTS.get(t.id, ())):
                agency_words.update(_words(phrase))
        self._common = frozenset(COMMON_WORDS | {w for w in agency_words if self._fold(w) not in self._index})
        # The words `find` stops at: capitalised words, and the lower-case words that may start
        # something (context words, titles, streets, the first word of a multi-word name); any other
        # lower-case word can neither be a place on its own nor start one.
        lower = {*TRIGGERS, *_SCHOOLS, *HONORIFICS, "jl", "jln", *self._first_words}
        # common words, as written at the start of a sentence or in capitals, that start nothing
        live = {*TRIGGERS, *_SCHOOLS, *HONORIFICS, *_STREETS}
        self._dead = frozenset(
            form for w in self._common if w not in live and self._fold(w) not in self._prefixes
            for form in (w.capitalize(), w.upper())
        )
        self._scan = re.compile(r"(?<![^\W_])(?:[A-Z][^\W_]*|" + _trie_regex(lower) + r"(?![^\W_]))")

    # -- building -------------------------------------------------------------------------

    def _prefixes_of(self, key: str) -> Iterable[str]:
        return (key[:n] for n in range(1, len(key)))

    def _add(self, phrase: str, place: _Place, *, exact: bool = True, target: bool = True) -> list[str]:
        words = _words(phrase)
        if not words:
            return []
        if len(words) > 1 and place.level != _BLOCK:
            self._first_words.add(words[0])
        keys = _keys(words)
        for key in keys:
            entry = self._index.get(key)
            if entry is None:
                entry = self._index[key] = _Entry()
                entry.plain = "".join(words)
            if target and not entry.target:
                entry.target = True
                entry.plain = "".join(words)
            if place not in entry.places:
                entry.places.append(place)
            (entry.exact if exact else entry.variant).add(" ".join(words))
            entry.variant.add("".join(words))
        return list(keys)

    def _add_with_rules(self, phrase: str, place: _Place) -> None:
        self._add(phrase, place)
        for alt in rule_spellings(phrase):
            self._add(" ".join(alt), place, exact=False, target=False)

    @staticmethod
    def _guard(name: str) -> int:
        low = " ".join(_words(name))
        if low in lexicon.KELURAHAN_SKIP or len(low.replace(" ", "")) < MIN_FREE_LETTERS:
            return 2
        if low in lexicon.GUARDED_PLACE_NAMES or low in EXTRA_GUARDED:
            return 1
        return 0

    def _build(self, directory: Directory, variants: Mapping[str, Sequence[str]]) -> None:
        cased = {a.lower() for a in lexicon.CASED_ACRONYMS}
        for r in directory.regions:
            code = (r.code,)
            regency = _Place(r.name, "regency", code, 0, False)
            self._add_with_rules(r.name, regency)
            rest = re.sub(r"^(Kabupaten|Kota)\s+", "", r.name)
            if r.name.startswith("Kabupaten "):
                for prefix in ("Kab.", "Kab", "Pemkab"):
                    self._add(f"{prefix} {rest}", regency, exact=False, target=False)
            elif r.name.startswith("Kota "):
                self._add(f"Pemkot {rest}", regency, exact=False, target=False)
            capital_low = r.capital.lower().replace(" ", "")
            capital = _Place(r.capital, "capital", code, self._guard(r.capital), False)
            for alias in r.aliases:
                if alias.lower().replace(" ", "") == capital_low:  # 'Pangkal Pinang': the capital
                    self._add_with_rules(alias, capital)
                    continue
                place = _Place(r.name, "regency", code, self._guard(alias) if alias.lower() not in cased else 0,
                               alias.lower() in cased)
                self._add_with_rules(alias, place)
            if r.capital:
                self._add_with_rules(r.capital, capital)
            for kec in r.kecamatan:
                for spelling in name_variants(kec):
                    self._add_with_rules(spelling, _Place(kec, "kecamatan", code, self._guard(spelling), False))
        region_names = {r.code: r.name for r in directory.regions}
        for name, codes in kelurahan_by_region(directory.office.province, region_names).items():
            self._add_with_rules(name, _Place(name, "kelurahan", tuple(sorted(codes)), self._guard(name), False))
        for label, phrases in lexicon.ISLANDS.items():
            regions = tuple(lexicon.ISLAND_REGIONS.get(label, ()))
            for phrase in phrases:
                self._add(phrase, _Place(phrases[0], "island", regions, 0, False))
        # the lexicon's spellings: canonical name -> alternatives (for places already known)
        for canonical, alts in variants.items():
            entry = None
            for key in _keys(_words(canonical)):
                entry = self._index.get(key) or entry
            if entry is None:
                continue
            for place in [p for p in entry.places if p.level != _BLOCK]:
                for alt in (alts,) if isinstance(alts, str) else alts:
                    # the spelling keeps its own guards: 'PKP' only in capitals, short words need a
                    # place word before them
                    is_cased = " ".join(_words(alt)) in cased
                    guard = 0 if is_cased else max(place.guard, self._guard(alt))
                    self._add(alt, place._replace(guard=guard, cased=is_cased or place.cased), exact=False)
        # names that are recognised only to be skipped: the province itself and other provinces
        own = set(self._index)
        blocked = [*lexicon.OWN_PROVINCE_NAMES]
        skip = {s.lower() for s in lexicon.OTHER_PLACE_SKIP}
        for other in other_province_places(directory.office.province_code, lexicon.PROVINCE_ALIASES):
            if other.name.lower() not in skip and len(other.name) >= 4:
                blocked.append(other.name)
        for name in blocked:
            words = _words(name)
            if words and not any(k in own for k in _keys(words)):
                self._add(name, _Place(name, _BLOCK, (), 0, False))

    # -- finding --------------------------------------------------------------------------

    def _fold(self, low: str) -> str:
        cache = self._fold_cache
        key = cache.get(low)
        if key is None:
            if len(cache) > 200_000:
                cache.clear()
            key = cache[low] = ocr_fold(low)
        return key

    def find(self, text: str) -> list[PlaceMention]:
        """Place mentions in `text`, in text order, without overlaps (the longest match wins)."""
        out: list[PlaceMention] = []
        pos = 0
        search = self._scan.search
        at = self._at
        dead = self._dead
        while True:
            m = search(text, pos)
            if m is None:
                return out
            word = m.group()
            if word in dead:
                pos = m.end()
            else:
                pos = at(text, m.start(), m.end(), word, None, out)

    def _at(self, text: str, s: int, e: int, word: str, ctx: _Ctx | None, out: list[PlaceMention]) -> int:
        """Look at the word text[s:e]; append what it starts to `out`; return where to go on."""
        low = word.lower()
        first_upper = word[0].isupper()
        if low in HONORIFICS and not (ctx and ctx.strong) and (low != "dr" or text.startswith(".", e)):
            return self._skip_person(text, s, e, low)  # 'dr.' is a doctor, 'dr' in a chat is 'dari'
        chained = ctx is not None and ctx.depth >= _MAX_CHAIN
        if low in _STREETS and (first_upper or low != "jalan") and not chained:
            return self._street(text, e, out, ctx)
        key = self._fold(low)
        if key in self._prefixes:
            end = self._exact(text, s, e, key, ctx, out)
            if end:
                return end
        if (low in TRIGGERS or low in _SCHOOLS) and not chained:
            nxt = self._trigger(text, s, e, low, ctx)
            if nxt is not None:
                ctx2, s2, e2, w2 = nxt
                return self._at(text, s2, e2, w2, ctx2, out)
            return e
        if (first_upper or (ctx is not None and ctx.strong)) and low not in self._common:
            end = self._fuzzy(text, s, e, word, ctx, out)
            if end:
                return end
        return e

    # context words -------------------------------------------------------------------------

    def _trigger(self, text: str, s: int, e: int, low: str, ctx: _Ctx | None):
        """The context of the word after the trigger at text[s:e] -> (ctx, start, end, word) or None."""
        if low in _SCHOOLS:
            label, needs = _SCHOOLS[low]
            m = _AFTER_TRIGGER.match(text, e)
            if m is None:
                return None
            w = m.group(1).lower()
            seen = False
            if w in ("negeri", "n"):
                seen = True
                e = m.end(1)
                m = _AFTER_TRIGGER.match(text, e)
                if m is None:
                    return None
                w = m.group(1).lower()
            if _SCHOOL_NUMBER.fullmatch(w):
                seen = True
                e = m.end(1)
            if needs and not seen:
                return None
            new = _Ctx(label, True, "")
        else:
            label, strong, hint = TRIGGERS[low]
            if label == "camat" and text[max(0, s - 7) : s].lower() == "kantor ":
                label = "kantor camat"
            new = _Ctx(label, strong, hint)
        if ctx is not None:  # a chain: 'di Kec.', 'warga desa', 'KUA Kecamatan'
            new = _Ctx(new.label, new.strong or ctx.strong, new.hint or ctx.hint, ctx.depth + 1)
        m = _AFTER_TRIGGER.match(text, e)
        if m is None:
            return None
        w = m.group(1)
        if new.hint == "kelurahan" and w.lower() in _POSSESSIVES:  # 'desa kamek X'
            m2 = _AFTER_TRIGGER.match(text, m.end(1))
            if m2 is None:
                return None
            m = m2
            w = m.group(1)
        return new, m.start(1), m.end(1), w

    def _skip_person(self, text: str, s: int, e: int, low: str) -> int:
        """After 'Bapak', 'Ibu', 'Sdr.': the capitalised words that follow are a person's name."""
        pos = e
        words = 0
        while words < 3:
            m = _NEXT.match(text, pos)
            if m is None:
                break
            w = m.group(4)
            wl = w.lower()
            if not w[0].isupper() or wl in TRIGGERS or wl in _SCHOOLS:
                break
            if pos == e and low == "ibu" and wl == "kota":  # 'ibu kota' is a capital city
                break
            pos = m.end(4)
            if wl not in HONORIFICS:  # 'Bapak/Ibu Hendra': titles do not count
                words += 1
        return pos

    def _street(self, text: str, e: int, out: list[PlaceMention], ctx: _Ctx | None = None) -> int:
        """'Jl. Mentok No. 5, Pangkalpinang': the street is not a place; the name after its comma is."""
        pos = e
        for _ in range(8):
            m = _NEXT.match(text, pos)
            if m is None:
                return pos
            w = m.group(4)
            wl = w.lower()
            if not (w[0].isupper() or w[0].isdigit() or wl in _STREET_WORDS):
                return pos
            if wl in TRIGGERS and TRIGGERS[wl][1]:  # 'Jl. Merdeka Kel. Koba'
                return pos
            pos = m.end(4)
            comma = _COMMA_WORD.match(text, pos)
            if comma is not None:
                return self._at(text, comma.start(1), comma.end(1), comma.group(1),
                                _Ctx("jl", True, "", ctx.depth + 1 if ctx is not None else 1), out)
        return pos

    # exact and variant spellings ---------------------------------------------------------------

    def _exact(self, text: str, s: int, e: int, key: str, ctx: _Ctx | None, out: list[PlaceMention]) -> int:
        """Longest known name starting at text[s:e]; append it and return its end (0 if none)."""
        index = self._index
        prefixes = self._prefixes
        ends = [e]
        lows = [text[s:e].lower()]
        found: list[tuple[int, str]] = []  # (number of words, key)
        if key in index:
            found.append((1, key))
        pos = e
        for _ in range(self._max_words - 1):
            m = _NEXT.match(text, pos)
            if m is None:
                break
            if m.group(2) and (m.group(1) or (m.group(2) == "." and len(lows[-1]) > 4)):
                break  # 'Koba .Toboali', 'di Koba. Toboali' (a '.' joins only after 'Tj.', 'Kab.')
            low = m.group(4).lower()
            key += self._fold(low)
            if key not in prefixes:
                break
            pos = m.end(4)
            ends.append(pos)
            lows.append(low)
            if key in index:
                found.append((len(ends), key))
        first_upper = text[s].isupper()
        for nwords, k in reversed(found):
            entry = index[k]
            end = ends[nwords - 1]
            spaced = " ".join(lows[:nwords])
            if spaced in entry.exact:
                method, score = "exact", 1.0
            elif spaced.replace(" ", "") in entry.variant:
                method, score = "variant", VARIANT_SCORE
            else:
                method = "fuzzy"
                if len(k) < MIN_FUZZY_LETTERS or not (first_upper or (ctx and ctx.strong)):
                    continue
                plain = spaced.replace(" ", "")
                score = min(0.99, (100.0 + fuzz.ratio(plain, entry.plain)) / 200.0)
            if any(p.level == _BLOCK for p in entry.places):
                return end  # a place of elsewhere, or the province itself: skipped
            written = text[s:end]
            accepted, needed_ctx = self._accept(entry.places, written, first_upper, nwords, ctx, method)
            if not accepted:
                continue
            if nwords == 1 and k in self._proper_prefixes:
                longer = self._fuzzy(text, s, e, text[s:e], ctx, out, min_words=2, longer_than=len(k))
                if longer:
                    return longer
            if needed_ctx and method != "fuzzy":
                method = "context"
            out.append(self._mention(text, s, end, accepted, ctx, method, score))
            return end
        return 0

    def _accept(self, places: list[_Place], written: str, first_upper: bool, nwords: int,
                ctx: _Ctx | None, method: str) -> tuple[list[_Place], bool]:
        """The places a spelling may stand for here, and whether the context word was needed."""
        ok: list[_Place] = []
        needed = False
        for p in places:
            if p.level == _BLOCK:
                continue
            if p.cased and not written.isupper():
                continue
            free = p.guard == 0 and (first_upper or (nwords >= 2 and method != "fuzzy"))
            if free:
                ok.append(p)
                continue
            if ctx is None:
                continue
            if p.guard == 2 and not ctx.strong:
                continue
            if p.guard == 1 and not ctx.strong and not first_upper:
                continue  # 'di gudang' is not Desa Gudang
            ok.append(p)
            needed = True
        if ok and any(p.guard == 0 for p in ok) and first_upper:
            needed = False
        return ok, needed

    def _mention(self, text: str, s: int, end: int, places: list[_Place], ctx: _Ctx | None,
                 method: str, score: float) -> PlaceMention:
        if ctx is not None and ctx.hint:
            hinted = [p for p in places if p.level == ctx.hint]
            if hinted:
                places = hinted
        best = min(places, key=lambda p: _LEVEL_RANK.get(p.level, 9))
        regions = tuple(sorted({c for p in places for c in p.regions}))
        return PlaceMention(s, end, text[s:end], best.name, best.level, regions, method,
                            round(score, 3), ctx.label if ctx is not None else "")

    # OCR noise and typos ---------------------------------------------------------------------

    @staticmethod
    def _cutoff(strong: bool, length: int) -> float:
        """A strong context word allows one more edit, on longer names only."""
        return FUZZY_CUTOFF_TRIGGER if strong and length >= 9 else FUZZY_CUTOFF_FREE

    def _window(self, strong: bool, query: str) -> list[str]:
        """The choices that can reach the cut-off: of about the same length and, without a strong
        context word, with the same first letter."""
        length = len(query)
        head = "" if strong else query[0]
        got = self._windows.get((strong, length, head))
        if got is None:
            cut = self._cutoff(strong, length) / 100.0
            slack = int(2 * length * (1 - cut) / cut) + 1
            got = [k for k in self._choices[strong]
                   if abs(len(k) - length) <= slack and k.startswith(head)]
            self._windows[(strong, length, head)] = got
        return got

    def _best(self, query: str, strong: bool) -> tuple[str, float] | None:
        cache_key = (query, strong)
        if cache_key in self._fuzzy_cache:
            return self._fuzzy_cache[cache_key]
        got = process.extractOne(query, self._window(strong, query), scorer=fuzz.ratio,
                                 processor=None, score_cutoff=self._cutoff(strong, len(query)))
        result = (got[0], float(got[1])) if got is not None else None
        if len(self._fuzzy_cache) > 100_000:
            self._fuzzy_cache.clear()
        self._fuzzy_cache[cache_key] = result
        return result

    def _fuzzy(self, text: str, s: int, e: int, word: str, ctx: _Ctx | None,
               out: list[PlaceMention], min_words: int = 1, longer_than: int = 0) -> int:
        """A misspelt name of 1-3 words starting at text[s:e]; append it and return its end (0 if none).

        `min_words` / `longer_than`: only spans of so many words, names of more letters (to see whether
        an exact name is the start of a misspelt longer one: 'Kelapa Karnpiit')."""
        strong = ctx is not None and ctx.strong
        if not strong and word.isupper() and len(word) <= 5 and word.isalpha():
            return 0  # an acronym (BPJS, PDAM)
        ends = [e]
        keys = [self._fold(word.lower())]
        plains = [word.lower()]
        pos = e
        for _ in range(2):
            m = _NEXT.match(text, pos)
            if m is None:
                break
            if m.group(2) and (m.group(1) or (m.group(2) == "." and len(plains[-1]) > 4)):
                break
            w = m.group(4)
            wl = w.lower()
            if wl in self._common or wl in TRIGGERS or wl in HONORIFICS or wl.isdigit():
                break
            if not strong and not w[0].isupper():
                break
            pos = m.end(4)
            ends.append(pos)
            keys.append(keys[-1] + self._fold(wl))
            plains.append(plains[-1] + wl)
        best: tuple[float, int, str] | None = None
        for i in range(len(keys) - 1, min_words - 2, -1):
            query = keys[i]
            if len(query) < MIN_FUZZY_LETTERS:
                continue
            got = self._best(query, strong)
            if got is not None and len(got[0]) > longer_than and (best is None or got[1] > best[0]):
                best = (got[1], i, got[0])
        if best is None:
            return 0
        ratio, i, key = best
        entry = self._index[key]
        end = ends[i]
        if any(p.level == _BLOCK for p in entry.places):
            return end
        accepted, _ = self._accept(entry.places, text[s:end], text[s].isupper(), i + 1, ctx, "fuzzy")
        if not accepted:
            return 0
        score = min(0.99, (ratio + fuzz.ratio(plains[i], entry.plain)) / 200.0)
        out.append(self._mention(text, s, end, accepted, ctx, "fuzzy", score))
        return end
