"""Maladministration types from phrases that describe what happened (not from label words).

`rank_maladministration(text)` returns the types with their cue hits, strongest first; the first is
the primary type. A secondary type is kept only when its own cues are clearly present.
"""

from __future__ import annotations

from dataclasses import dataclass

from classify.cues import CueHit, CueTable, compile_table, find_cues, scores

_NEG = r"(?:belum|blm|tidak|tdk|tak|gak|ga|nggak|dak|ndak)"
_N = r"(?:\d+|satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan|sepuluh|sebelas|dua belas|beberapa)"
_MONEY = r"(?:rp\.? ?\d|\d+ ?(?:rb|ribu|juta|jt)\b)"

MALAD_CUES: CueTable = {
    "penundaan_berlarut": [
        ((rf"\b{_NEG} (?:juga )?(?:jadi|terbit|selesai|keluar|diproses|cair|dibayar|dicetak|"
         r"diterbitkan|dipasang|menyala|diganti|diperbaiki|ditindaklanjuti|ada kejelasan|ada kabar|"
         r"ada tindak lanjut|ada hasil|dikirim|diserahkan|dikembalikan|turun|dibayarkan|ditangani)\b"), 2.0),
        (rf"\b(?:sudah|sdh|udah|udh|lebih dari|hampir|selama|telah)\s+{_N}\s+(?:bulan|bln|tahun|thn|minggu|mgg)\b", 2.0),
        (rf"\b{_N} (?:bulan|bln|tahun|thn) (?:lebih|berlalu|tanpa)\b", 1.5),
        (r"\bberbulan-bulan\b|\bbertahun-tahun\b|\bberminggu-minggu\b", 2.0),
        (r"\bbelum juga\b|\bblm jg\b|\bbelum jg\b", 1.5),
        (r"\b(?:tanpa|tidak ada|tdk ada|belum ada) (?:kabar|kejelasan|kepastian|tindak lanjut|jawaban|tanggapan)\b", 1.5),
        (r"\b(?:disuruh|diminta|harus) (?:menunggu|tunggu|kembali lagi|datang lagi|sabar)\b", 1.0),
        (r"\bdijanjikan\b|\bjanji(?:nya)? (?:\d+|selesai|minggu|bulan|hari)\b|\bkatanya \d+ (?:hari|minggu)\b", 1.0),
        (r"\bmolor\b|\bterkatung-katung\b|\bdiundur\b|\bditunda\b|\bmasih dalam proses\b|\bmasih diproses\b", 1.0),
        (r"\bsampai (?:sekarang|hari ini|saat ini)\b|\bsampai skrg\b|\bhingga (?:kini|sekarang|saat ini)\b", 0.8),
        (r"\bbolak[- ]balik\b|\bbolak balik\b", 0.8),
        (r"\bmenunggu\b|\bmenunggak\b", 0.3),
    ],
    "permintaan_imbalan": [
        ((r"\buang (?:rokok|pelicin|terima ?kasih|kopi|bensin|lelah|jasa|pengurusan|administrasi|"
         r"percepatan|tambahan|damai|titip)\b"), 3.0),
        (r"\bpungli\b|\bpungutan liar\b|\bsuap\b|\bsogok\b|\bamplop\b|\bsalam tempel\b", 3.0),
        ((r"\btanpa (?:kuitansi|kwitansi|tanda terima|bukti (?:bayar|pembayaran))\b|"
         r"\b(?:tidak|tdk|tak) (?:ada|diberi|dikasih) (?:kuitansi|kwitansi|bukti)\b"), 2.0),
        ((rf"\b(?:dimintai|diminta|minta|meminta|disuruh (?:bayar|membayar|menyiapkan)|ditarik|dipungut|"
         rf"dikenakan|membayar|bayar|menyerahkan)\s+(?:uang\s+|biaya\s+)?(?:sebesar\s+|sekitar\s+)?{_MONEY}"), 1.5),
        (r"\b(?:di ?luar|diluar|selain) (?:tarif|biaya|retribusi|pnbp)(?: yang)? resmi\b|\bbiaya tidak resmi\b", 2.5),
        (r"\b(?:biar|supaya|agar|bisa) (?:\w+ )?(?:cepat|lancar|dibantu|didahulukan|diprioritaskan)\b", 1.0),
        (r"\b(?:jalur|biaya) (?:cepat|khusus|percepatan)\b|\bdibantu selesai\b", 1.5),
        (r"\bimbalan\b|\bsetoran\b|\bcashback\b", 2.0),
        (r"\bseikhlasnya\b|\bsukarela\b", 1.0),
    ],
    "tidak_patut": [
        (r"\b(?:mem|di)?bentak(?:-bentak|nya)?\b|\bmembentak\b", 3.0),
        (r"\bmarah-marah\b|\bmarah2\b|\bdimarahi\b|\bmemarahi\b|\bmengomel\b|\bngomel\b", 2.5),
        (r"\bkasar\b|\bketus\b|\bsinis\b|\bjutek\b", 2.0),
        (r"\b(?:meng|di)hina\b|\bmerendahkan\b|\bmempermalukan\b|\bdipermalukan\b|\bmenyindir\b", 2.5),
        (r"\bberteriak\b|\bteriak\b", 2.0),
        (r"\b(?:tidak|tdk|kurang) (?:sopan|ramah|beretika|pantas|patut|manusiawi)\b", 2.0),
        (r"\b(?:me|di)lecehkan\b|\bpelecehan\b", 2.5),
        (r"\b(?:meng|di)usir\b", 1.5),
        (r"\bmain (?:hp|handphone|telepon|game|ponsel)\b|\bbermain (?:hp|telepon|ponsel)\b|\bsambil (?:merokok|makan|tertawa)\b", 1.5),
        (r"\bmembanting\b|\bmelempar (?:berkas|map|kartu)\b", 2.0),
        (r"\bmenangis\b|\bnangis\b|\bmalu sekali\b", 0.8),
        (r"\btidak profesional\b", 1.0),
    ],
    "tidak_memberikan_pelayanan": [
        (r"\b(?:kantor|loket|puskesmas|pelayanan|layanan)(?: \w+)? (?:tutup|kosong|tidak buka|tdk buka|libur)\b", 2.5),
        (r"\btidak ada (?:petugas|pegawai|dokter|orang)(?: yang)?(?: (?:jaga|melayani|bertugas|di tempat))?\b", 2.0),
        ((r"\b(?:tidak|tdk|gak|ga|tak) (?:mau|bersedia|bisa) (?:menerima|melayani|memproses|membuat|mencatat|"
         r"menerbitkan|memeriksa|dilayani)\b"), 2.5),
        (r"\bmenolak (?:menerima|melayani|memproses|membuat|laporan|berkas|permohonan|pasien|mencatat)\b", 2.5),
        (r"\b(?:berkas|laporan|permohonan|pengaduan)(?: saya| kami)? (?:tidak|tdk|gak) (?:di)?terima\b", 2.5),
        (r"\b(?:tidak|tdk|gak|ga|belum) (?:pernah )?(?:dilayani|ditanggapi|dibalas|dijawab|direspons?)\b", 1.5),
        (r"\btidak (?:pernah )?diangkat\b|\btdk diangkat\b", 1.0),
        (r"\bdipingpong\b|\bdilempar-lempar\b|\bdilempar ke\b|\bsaling lempar\b", 1.5),
        (r"\bdisuruh pulang\b|\bdiminta pulang\b|\bditolak\b", 1.5),
        (r"\btanpa petugas\b|\bkosong\b|\btutup\b", 0.7),
        (r"\bhanya (?:buka|dilayani|melayani)\b", 1.0),
        (r"\b(?:tidak|tdk|gak|dak) (?:bisa|dapat) (?:di)?(?:proses|layani|urus)\b|\b(?:tidak|tdk|gak) melayani\b", 2.0),
        (r"\b(?:tidak|tdk|gak) ada (?:layanan|pelayanan|guru(?: pengganti)?|jalur)\b|\bdak ade\b", 2.0),
        (r"\bpenolakan\b|\bdihentikan\b|\b(?:tidak|tdk) diizinkan\b|\b(?:tidak|tdk) (?:mau )?keluarkan\b", 1.5),
        (r"\b(?:antrean|antrian|kuota)(?: \w+)? (?:udh |sudah )?(?:habis|abis|penuh)\b", 1.5),
        (r"\bdisuruh (?:datang|kembali) (?:bulan depan|besok|minggu depan)\b|\bbesok (?:lagi|lg)\b", 1.5),
        (r"\bbelum ada (?:satu pun )?petugas (?:yang )?datang\b|\bdipulangkan\b", 1.5),
    ],
    "penyimpangan_prosedur": [
        (r"\b(?:syarat|persyaratan|dokumen)(?: \w+)? tambahan\b", 2.5),
        (r"\btidak (?:ada|tercantum|termasuk) (?:dalam|di) (?:aturan|ketentuan|standar|persyaratan|sop|daftar)\b", 2.5),
        (r"\btidak sesuai (?:prosedur|ketentuan|aturan|standar|sop|antrean|antrian|urutan)\b", 2.0),
        (r"\b(?:di)?wajib(?:kan)? (?:membeli|beli|melampirkan|membawa)\b|\bharus (?:membeli|beli)\b", 1.5),
        (r"\bsurat pengantar\b|\bpengantar (?:rt|rw|lurah|desa|polsek|kelurahan)\b", 1.5),
        ((r"\btanpa (?:surat tugas|berita acara|pemberitahuan|prosedur|verifikasi|pemeriksaan|survei|"
         r"sosialisasi|musyawarah|penjelasan|dasar)\b"), 1.5),
        (r"\bmenyerobot\b|\bserobot\b|\bdidahulukan\b|\bdisalip\b|\bantrean (?:belakangan|belakang)\b", 1.5),
        (r"\bsepihak\b|\bdicoret\b|\bdinonaktifkan\b", 1.5),
        (r"\bdiminta (?:melampirkan|membawa|menyertakan)\b|\bdisuruh (?:melampirkan|membawa)\b", 1.0),
        (r"\bprosedur\b|\bmekanisme\b|\bketentuan\b", 0.5),
        (r"\bdiarahkan ke\b|\bharus (?:lewat|melalui|pakai)\b", 1.0),
        (r"\btidak pernah (?:diinput|dicatat|diproses)\b|\btidak (?:diinput|dicatat)\b", 1.5),
        (r"\btanpa (?:ada )?(?:\w+ ){0,2}(?:persetujuan|formulir|undangan|peninjauan|pengecekan|cek fisik)\b", 1.5),
        ((r"\b(?:tidak|tdk|gak) pernah (?:di)?(?:undang|panggil|mintai|diminta|dimintai|diundang|dipanggil|"
         r"ada (?:sosialisasi|surat|peninjauan|pemberitahuan|pemeriksaan|pembinaan))\b"), 1.5),
        (r"\b(?:gak|tidak|tdk) ada (?:di|dalam) (?:juknis|aturan|sop|ketentuan)\b|\bjuknis\b", 1.5),
        (r"\b(?:membeli|beli) (?:sendiri )?(?:obat|bahan habis pakai|alat|lensa|darah)\b|\bapotek (?:di )?luar\b", 2.0),
        (r"\b(?:tidak ada|tdk ada|gak ada) aturan\b|\bseharusnya\b|\bsetahu (?:saya|sy) (?:aturan|seharusnya)\b", 1.0),
        (r"\bmewajibkan\b|\bdiwajibkan\b", 1.0),
        (r"\btes (?:calistung|wawancara|tambahan|membaca)\b", 1.5),
    ],
    "tidak_kompeten": [
        ((r"\b(?:tidak|tdk|gak|tak) (?:bisa|dapat|mampu|sanggup) (?:menjelaskan|menunjukkan|memberi(?:kan)? "
         r"penjelasan|menjawab)\b"), 2.5),
        (r"\binformasi (?:yang )?(?:salah|keliru|berbeda|berbeda-beda|simpang siur|tidak jelas)\b", 2.5),
        (r"\b(?:salah|keliru) (?:ketik|cetak|input|data|tulis|catat|hitung|informasi)\b|\bkeliru\b", 2.0),
        (r"\btertukar\b|\bsalah orang\b|\bsalah alamat\b", 2.0),
        (r"\bsaling (?:menyalahkan|lempar)\b|\bjawaban(?:nya)? (?:berbeda|beda|berubah)\b|\bberbeda-beda\b", 2.0),
        (r"\btidak (?:tahu|paham|mengerti) (?:prosedur|caranya|bagaimana|cara)\b|\bbingung\b", 1.5),
        (r"\b(?:sistem(?:nya)?|aplikasi(?:nya)?) (?:error|eror|bermasalah|gangguan)\b", 1.0),
        (r"\btidak memeriksa\b|\btanpa (?:mengecek|memeriksa)\b", 1.5),
        (r"\btagihan (?:\w+ )?(?:membengkak|melonjak|naik drastis|tiba-tiba)\b|\bangka rata-rata\b", 1.5),
        (r"\bpetugas (?:pertama|lain) (?:bilang|menyatakan|mengatakan)\b", 1.5),
    ],
    "penyalahgunaan_wewenang": [
        (r"\b(?:untuk|utk) (?:keperluan|kepentingan|urusan) (?:pribadi|keluarga)\b", 3.0),
        (r"\b(?:memakai|pakai|menggunakan|memanfaatkan|mentang-mentang)\s+(?:jabatan|wewenang|kewenangan|kekuasaan)(?:nya)?\b", 3.0),
        (r"\b(?:mencabut|cabut) laporan\b", 2.5),
        (r"\bsewenang-wenang\b|\bsemena-mena\b", 2.0),
        (r"\b(?:menekan|ditekan|tekanan|diintimidasi|mengintimidasi|mengancam|diancam)\b", 1.5),
        (r"\bdiberhentikan\b|\bdipecat\b|\bdimutasi\b|\bdicopot\b", 1.5),
        (r"\b(?:menguasai|dikuasai|penguasaan)\b|\btanah kas desa\b", 1.5),
        (r"\bbalas dendam\b|\burusan pribadi\b", 2.0),
        (r"\bdipakai (?:oleh )?(?:\w+ ){0,3}(?:untuk|utk)\b", 1.5),
    ],
    "berpihak": [
        ((r"\b(?:keluarga|kerabat|kenalan|teman|orang dekat)(?: dan \w+)?(?: dekat)? (?:petugas|kepala desa|kades|"
         r"ketua rt|pejabat|perangkat desa|pendamping)\b"), 2.5),
        (r"\bhanya (?:untuk|ke|kepada|diberikan kepada) (?:keluarga|kerabat|kenalan|orang dekat)\b", 3.0),
        (r"\b(?:tidak|tdk|kurang) (?:berimbang|adil|netral|objektif|obyektif)\b", 2.0),
        (r"\bhanya (?:mendengar|mewawancarai|bertemu|memeriksa|menanyai)\b", 2.0),
        (r"\b(?:memihak|berpihak|keberpihakan|pilih kasih)\b", 2.5),
        (r"\b(?:bersama|sama|semobil (?:sama|dengan)) (?:pihak )?(?:tetangga|perusahaan|terlapor|lawan)\b", 1.5),
        (r"\bjatuh ke (?:keluarga|kerabat|tangan)\b|\bkerabat\b", 1.5),
        (r"\b(?:di)?menangkan\b|\bmembela\b", 1.0),
    ],
    "konflik_kepentingan": [
        (r"\bmilik (?:istri|suami|adik|kakak|anak|keluarga|saudara|ipar|menantu|mertua|orang tua)\b", 3.0),
        ((r"\b(?:adik|kakak|anak|istri|suami|ipar|menantu|saudara) (?:kandung |ipar )?(?:dari )?"
         r"(?:kepala|petugas|pejabat|kades|camat|lurah|auditor|anggota)\b"), 2.0),
        (r"\bhubungan (?:keluarga|kekerabatan|saudara)\b", 2.5),
        (r"\busaha (?:milik )?(?:keluarga|istri|suami)\b|\b(?:toko|cv|pt|warung|e-warong) (?:\w+ ){0,3}milik\b", 2.0),
        (r"\bkepentingan (?:pribadi|keluarga|bisnis)\b", 1.5),
        (r"\bkakaknya\b|\badiknya\b|\bistrinya\b", 0.5),
    ],
    "diskriminasi": [
        ((r"\bdisabilitas\b|\bdifabel\b|\btuna ?(?:netra|rungu|daksa|wicara|grahita)\b|\btuli\b|\bcacat\b|"
         r"\bautis(?:me)?\b|\bkursi roda\b|\bberkebutuhan khusus\b|\blumpuh\b"), 2.0),
        ((r"\b(?:karena|krn|gara-gara) (?:saya |kami |dia )?(?:orang )?(?:miskin|etnis|agama|suku|tionghoa|"
         r"cina|keturunan|disabilitas|tuli|cacat|janda|perempuan)\b"), 3.0),
        (r"\bsbkri\b|\bketurunan tionghoa\b", 2.5),
        (r"\b(?:diperlakukan|perlakuan) (?:berbeda|beda|tidak sama)\b|\bdibeda-bedakan\b|\bdibedakan\b", 3.0),
        (r"\bpasien umum (?:langsung|didahulukan|dapat)\b|\bkalau umum\b", 2.0),
        (r"\borang miskin\b|\bhak yang sama\b|\bhak yg sama\b", 1.5),
    ],
}

_COMPILED = compile_table(MALAD_CUES)

# (first, second): when both are clearly present, `first` is what the complaint is about (a disabled
# person refused service is discrimination before it is a refusal).
PRECEDENCE: tuple[tuple[str, str], ...] = (("diskriminasi", "tidak_memberikan_pelayanan"),)
PRECEDENCE_MIN = 1.5

SECONDARY_MIN = 2.0  # a secondary type needs at least this score ...
SECONDARY_SHARE = 0.6  # ... and this share of the primary's score


@dataclass(frozen=True)
class MaladRanking:
    types: tuple[str, ...]  # primary first
    scores: dict[str, float]
    hits: tuple[CueHit, ...]  # evidence for the kept types


def rank_maladministration(
    text: str, *, allowed: frozenset[str] | None = None, folded: str | None = None
) -> MaladRanking:
    hits = [h for h in find_cues(_COMPILED, text, folded) if allowed is None or h.label in allowed]
    sc = scores(hits)
    first_at: dict[str, int] = {}
    for h in hits:
        first_at.setdefault(h.label, h.start)
    ordered = sorted(sc, key=lambda t: (-sc[t], first_at[t]))
    for first, second in PRECEDENCE:
        if first in ordered and second in ordered and min(sc[first], sc[second]) >= PRECEDENCE_MIN:
            i, j = ordered.index(first), ordered.index(second)
            if i > j:
                ordered.insert(j, ordered.pop(i))
    kept: list[str] = []
    if ordered and sc[ordered[0]] >= 1.0:
        kept.append(ordered[0])
        for t in ordered[1:2]:
            if sc[t] >= SECONDARY_MIN and sc[t] >= SECONDARY_SHARE * sc[ordered[0]]:
                kept.append(t)
    evidence = tuple(h for h in hits if h.label in kept)
    return MaladRanking(tuple(kept), {t: round(v, 2) for t, v in sc.items()}, evidence)
