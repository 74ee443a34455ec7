"""Weighted cue phrases (regular expressions) and the one function that finds them.

A cue table maps a label to `(pattern, weight)` pairs. `find_cues` returns every hit with its
character span, so each decision can show the words that led to it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from classify.needles import NeedleIndex, Needles, fold, needle_sets

CueTable = Mapping[str, Sequence[tuple[str, float]]]


@dataclass(frozen=True)
class CueHit:
    label: str
    start: int
    end: int
    text: str
    weight: float


# --- fast, exact scanning ----------------------------------------------------------------------
# Every compiled pattern carries its needle sets (classify.needles): a pattern none of whose needles
# occurs in the folded text is skipped, the others run as they are, so hits (and their order) are
# exactly those of a plain scan of every pattern.

# A case-insensitive pattern naming no capital letter matches an ASCII text exactly where the same
# pattern without IGNORECASE matches the text lower-cased (ASCII lower-casing keeps every offset;
# a lower-case literal, class or range matches an ASCII character case-insensitively exactly when it
# matches its lower case). `re` runs the latter much faster, and can skip to a first character.
_SAFE_ESCAPES = re.compile(r"\\[bBdDsSwWAZ]")
_UNSAFE = re.compile(r"[A-Z]|\\[xuUN0-9]|\(\?[aiLmsux-]|\(\?P=")


def _lower_finder(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """For a case-insensitive `pattern` without capitals: the pattern to run on `text.lower()` of an
    ASCII text (see above); None otherwise."""
    if not isinstance(pattern.pattern, str) or not pattern.flags & re.IGNORECASE:
        return None
    if pattern.flags & (re.LOCALE | re.VERBOSE) or _UNSAFE.search(_SAFE_ESCAPES.sub("", pattern.pattern)):
        return None
    return re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)


_NEEDLE_INDEX = NeedleIndex()


def present_needles(folded: str) -> frozenset[str]:
    """The needles of all compiled tables that occur in `folded` (= `fold(text)`)."""
    return _NEEDLE_INDEX.present(folded)


# label, pattern, weight, needles, pattern on the lower-cased text of an ASCII text (or None)
ScanEntry = tuple[str, re.Pattern[str], float, Needles, re.Pattern[str] | None]
CompiledPairs = Mapping[str, Sequence[tuple[re.Pattern[str], float]]]


class CompiledTable(dict[str, list[tuple[re.Pattern[str], float]]]):
    """label -> [(pattern, weight)], plus each pattern's needles and lower-case variant (fixed at
    build time)."""

    def __init__(self, compiled: CompiledPairs, _scan: tuple[ScanEntry, ...] | None = None) -> None:
        super().__init__((label, list(pairs)) for label, pairs in compiled.items())
        self.scan: tuple[ScanEntry, ...] = (
            _scan
            if _scan is not None
            else tuple(
                (label, pat, w, needle_sets(pat), _lower_finder(pat))
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


def find_cues(compiled: CompiledPairs, text: str, folded: str | None = None) -> list[CueHit]:
    """Every non-empty match of every pattern, ordered by (start, -end). `folded` may pass
    `fold(text)` when several tables scan the same text."""
    if not isinstance(compiled, CompiledTable):
        compiled = CompiledTable(compiled)
    if folded is None:
        folded = fold(text)
    present = _NEEDLE_INDEX.present(folded)
    low: str | None = None  # text.lower() for an ASCII text ("" otherwise), when first needed
    hits = []
    for label, pattern, weight, need, lower_finder in compiled.scan:
        for options in need:  # classify.needles.may_match(need, present), inlined
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
            for m in pattern.finditer(text):
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
