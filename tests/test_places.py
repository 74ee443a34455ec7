"""Spec of classify/places.py: places of the province as people write them.

Every sentence here is written for this file (not taken from the corpus).
"""

from __future__ import annotations

import itertools
import time

import pytest

from classify import lexicon
from classify.places import PlaceFinder, PlaceMention, ocr_fold, rule_spellings


@pytest.fixture(scope="module")
def finder(directory) -> PlaceFinder:
    return PlaceFinder(directory)


def only(finder: PlaceFinder, text: str) -> PlaceMention:
    found = finder.find(text)
    assert len(found) == 1, found
    return found[0]


def names(finder: PlaceFinder, text: str) -> list[str]:
    return [m.name for m in finder.find(text)]


# --- 1. context patterns ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "name", "level", "trigger"),
    [
        ("Jalan di Desa Kemuja sudah rusak dua tahun.", "Kemuja", "Kemuja", "kelurahan", "desa"),
        ("Surat ini saya kirim dari Ds. Mabat karena kantornya tutup.", "Mabat", "Mabat", "kelurahan", "desa"),
        ("Pelayanan kantor Kel. Bukit Merapin sangat lambat.", "Bukit Merapin", "Bukit Merapin", "kelurahan", "kel"),
        ("Kami tinggal di Kelurahan Semabung Lama sejak 2015.", "Semabung Lama", "Semabung Lama", "kelurahan", "kel"),
        ("Rumah kami di Dusun Celuak belum dialiri listrik.", "Celuak", "Celuak", "kelurahan", "dusun"),
        ("Jembatan Dsn Mapur roboh minggu lalu.", "Mapur", "Mapur", "kelurahan", "dusun"),
        ("Petugas Kec. Membalong meminta uang administrasi.", "Membalong", "Membalong", "kecamatan", "kec"),
        ("Surat keterangan dari Kecamatan Simpang Rimba belum terbit.", "Simpang Rimba", "Simpang Rimba",
         "kecamatan", "kec"),
        ("Laporan saya ke Polsek Belinyu tidak ditanggapi.", "Belinyu", "Belinyu", "kecamatan", "polsek"),
        ("Obat di Puskesmas Sijuk sering kosong.", "Sijuk", "Sijuk", "kecamatan", "puskesmas"),
        ("Biaya nikah di KUA Tempilang diminta lebih.", "Tempilang", "Tempilang", "kecamatan", "kua"),
        ("Penghulu KUA Kecamatan Riau Silip tidak datang.", "Riau Silip", "Riau Silip", "kecamatan", "kec"),
        ("Anak saya sekolah di SD Negeri 3 Jebus dan dimintai uang.", "Jebus", "Jebus", "kecamatan", "sd negeri"),
        ("Ada pungutan seragam di SDN 12 Parittiga.", "Parittiga", "Parittiga", "kecamatan", "sd negeri"),
        ("Ijazah ditahan oleh SMP Negeri 1 Sungai Selan.", "Sungai Selan", "Sungai Selan", "kecamatan",
         "smp negeri"),
        ("Saya sudah tiga kali ke kantor camat Air Gegas.", "Air Gegas", "Air Gegas", "kecamatan",
         "kantor camat"),
        ("Kami warga Jelitik mengeluhkan bau limbah.", "Jelitik", "Jelitik", "kelurahan", "warga"),
        ("Lampu jalan di Belinyu sudah sebulan mati.", "Belinyu", "Belinyu", "kecamatan", "di"),
        ("Alamat: Jl. Sudirman No. 8, Toboali", "Toboali", "Toboali", "capital", "jl"),
    ],
)
def test_context_patterns(finder, text, written, name, level, trigger):
    m = only(finder, text)
    assert (m.text, m.name, m.level, m.trigger) == (written, name, level, trigger)
    assert text[m.start : m.end] == m.text


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("SURAT DARI DESA PERPAT", "Perpat"),
        ("pelayanan di kec. sijuk lambat", "Sijuk"),
        ("keluhan warga KELURAHAN bukit merapin", "Bukit Merapin"),
        ("polsek tempilang belum memanggil saksi", "Tempilang"),
    ],
)
def test_context_words_are_case_insensitive(finder, text, name):
    assert names(finder, text) == [name]


def test_lower_case_name_after_a_place_word_is_found_by_context(finder):
    m = only(finder, "kami warga desa kace belum dapat bantuan")
    assert (m.text, m.name, m.trigger, m.method, m.regions) == ("kace", "Kace", "desa", "context", ("1901",))


def test_everyday_word_names_need_a_place_word(finder):
    m = only(finder, "Pungutan liar di Kec. Kelapa makin parah.")
    assert (m.name, m.level, m.regions, m.method) == ("Kelapa", "kecamatan", ("1905",), "context")
    assert only(finder, "Warga Desa Gudang protes").name == "Gudang"
    assert only(finder, "Saya dari Kelurahan Kejaksaan").name == "Kejaksaan"
    # the same words without a place word are not places
    assert finder.find("Kelapa muda dijual di pasar, gudang beras penuh.") == []
    assert finder.find("Kejaksaan sudah menerima berkasnya.") == []


def test_without_a_place_word_capitalised_or_exact_multiword_only(finder):
    assert names(finder, "Kantor BPJS Koba tutup lebih awal") == ["Koba"]
    assert finder.find("kantor bpjs koba tutup lebih awal") == []
    m = only(finder, "semua orang sungai selan tahu masalah ini")
    assert (m.name, m.method, m.trigger) == ("Sungai Selan", "exact", "")


def test_lower_case_name_after_di_but_not_an_everyday_word(finder):
    m = only(finder, "listrik di koba mati lagi")
    assert (m.name, m.method, m.trigger) == ("Koba", "context", "di")
    assert finder.find("berkasnya ditaruh di gudang belakang") == []


def test_street_name_is_not_a_place_but_the_town_after_its_comma_is(finder):
    found = finder.find("Pelapor beralamat di Jl. Mentok No. 21, Pangkalpinang.")
    assert [(m.text, m.name, m.trigger) for m in found] == [("Pangkalpinang", "Pangkalpinang", "jl")]
    m = only(finder, "Jl. Merdeka Kel. Koba")
    assert (m.name, m.level, m.trigger) == ("Koba", "kelurahan", "kel")


def test_long_chains_of_context_words_do_not_recurse_without_end(finder):
    assert names(finder, "di " * 5000 + "Koba") == ["Koba"]
    assert names(finder, "Jl. Baru, " * 3000 + "Koba") == ["Koba"]
    assert finder.find("desa " * 5000) == []


def test_several_places_in_one_letter_in_text_order(finder):
    text = ("Yth. Ombudsman, saya warga Desa Nibung, Kec. Koba, Kabupaten Bangka Tengah. "
            "Anak saya dirujuk ke RSUD di Pangkalpinang.")
    found = finder.find(text)
    assert [(m.name, m.level, m.trigger) for m in found] == [
        ("Nibung", "kelurahan", "desa"),
        ("Koba", "kecamatan", "kec"),
        ("Kabupaten Bangka Tengah", "regency", ""),
        ("Pangkalpinang", "capital", "di"),
    ]
    assert [m.start for m in found] == sorted(m.start for m in found)
    assert all(a.end <= b.start for a, b in itertools.pairwise(found))
    assert all(text[m.start : m.end] == m.text for m in found)


# --- 2. spelling variants -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "name", "region", "method"),
    [
        ("Kapal ke Mentok terlambat", "Mentok", ("Mentok", "Muntok"), "1905", "exact"),
        ("Kapal ke Muntok terlambat", "Muntok", "Muntok", "1905", "exact"),
        ("Saya berobat di Tj. Pandan", "Tj. Pandan", "Tanjung Pandan", "1902", "variant"),
        ("Saya berobat di Tg Pandan", "Tg Pandan", "Tanjung Pandan", "1902", "variant"),
        ("Saya berobat di Tanjung Pandan", "Tanjung Pandan", "Tanjung Pandan", "1902", "exact"),
        ("Saya berobat di Tanjungpandan", "Tanjungpandan", "Tanjung Pandan", "1902", "variant"),
        ("Sidang di Pangkal Pinang ditunda", "Pangkal Pinang", "Pangkalpinang", "1971", "exact"),
        ("Sidang di Pangkalpinang ditunda", "Pangkalpinang", "Pangkalpinang", "1971", "exact"),
        ("Air PDAM Sungai Liat keruh", "Sungai Liat", "Sungailiat", "1901", "exact"),
        ("Air PDAM Sungailiat keruh", "Sungailiat", "Sungailiat", "1901", "exact"),
        ("Air PDAM Sei Liat keruh", "Sei Liat", "Sungailiat", "1901", "variant"),
        ("Kantor pajak Koba pindah", "Koba", "Koba", "1904", "exact"),
        ("Kantor pajak Toboali pindah", "Toboali", "Toboali", "1903", "exact"),
        ("Kantor pajak Manggar pindah", "Manggar", "Manggar", "1906", "exact"),
        ("Sawah di Aek Gegas kering", "Aek Gegas", "Air Gegas", "1903", "variant"),
    ],
)
def test_spelling_variants(finder, text, written, name, region, method):
    m = only(finder, text)
    assert (m.text, m.regions, m.method) == (written, (region,), method)
    assert m.name in ((name,) if isinstance(name, str) else name)  # the lexicon may name 'Mentok' 'Muntok'
    assert m.score == (1.0 if method == "exact" else pytest.approx(0.95))


def test_regency_names_and_aliases(finder):
    assert [(m.name, m.level) for m in finder.find("Pemkab Bangka Barat dan Kab. Belitung Timur")] == [
        ("Kabupaten Bangka Barat", "regency"), ("Kabupaten Belitung Timur", "regency")]
    assert only(finder, "Dinas Sosial Basel belum membayar").regions == ("1903",)
    assert only(finder, "warga PKP mengeluh").regions == ("1971",)
    assert finder.find("warga pkp mengeluh") == []  # an acronym only in capitals


def test_variants_mapping_adds_spellings_of_known_places(directory):
    f = PlaceFinder(directory, variants={"Muntok": ["Montok"], "Kota Entah": ["Entahlah"], "Koba": "Kobah"})
    assert only(f, "Pasar Kobah").name == "Koba"
    m = only(f, "Pelabuhan Montok sepi")
    assert (m.name, m.regions, m.method) == ("Muntok", ("1905",), "variant")
    assert f.find("Entahlah") == []  # a canonical name that is not a place of the province: ignored


def test_lexicon_place_variants_are_the_default(directory, monkeypatch):
    monkeypatch.setattr(lexicon, "PLACE_VARIANTS", {"Toboali": ("Tobowali",)}, raising=False)
    m = only(PlaceFinder(directory), "Pasar Tobowali terbakar")
    assert (m.name, m.method) == ("Toboali", "variant")


def test_rule_spellings():
    assert ("tj", "pandan") in rule_spellings("Tanjung Pandan")
    assert ("sei", "liat") in rule_spellings("Sungailiat")
    assert ("aek", "gegas") in rule_spellings("Air Gegas")


# --- 3. OCR noise and typos ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "written", "name"),
    [
        ("Kantor pos Sungai1iat tutup sejak pagi", "Sungai1iat", "Sungailiat"),
        ("Kantor pos SungaiIiat tutup sejak pagi", "SungaiIiat", "Sungailiat"),
        ("Pelayanan di Tob0ali sangat lambat", "Tob0ali", "Toboali"),
        ("Surat dari Pangkalpmang belum dibalas", "Pangkalpmang", "Pangkalpinang"),
        ("Listrik Mangar padam sepanjang malam", "Mangar", "Manggar"),
        ("Kecamatan Kelapa Karnpit kekurangan guru", "Kelapa Karnpit", "Kelapa Kampit"),
        ("Nelayan Membalonq belum menerima bantuan", "Membalonq", "Membalong"),
        ("Jalan menuju Parritiga berlubang", "Parritiga", "Parittiga"),
        ("Warga Desa Kernuja mengadu", "Kernuja", "Kemuja"),
        ("Balai Desa Clendang rusak", "Clendang", "Dendang"),
        ("Camat Meravvang tidak di tempat", "Meravvang", "Merawang"),
    ],
)
def test_ocr_noise_and_typos_are_fuzzy(finder, text, written, name):
    m = only(finder, text)
    assert (m.text, m.name, m.method) == (written, name, "fuzzy")
    assert 0.8 <= m.score < 1.0


def test_short_names_are_never_fuzzy(finder):
    assert finder.find("Desa Kacee dan Desa Kobaa") == []  # Kace, Koba: 4 letters, exact only
    assert names(finder, "Desa Kace") == ["Kace"]


def test_fuzzy_only_on_candidate_spans(finder):
    # lower case without a place word: no fuzzy matching
    assert finder.find("sungai1iat tob0ali mangar") == []
    # common capitalised words are not tried
    assert finder.find("Bantuan belum cair. Selama ini Kami menunggu.") == []


def test_ocr_fold():
    assert ocr_fold("Sungai1iat") == ocr_fold("Sungailiat")
    assert ocr_fold("Tob0ali") == ocr_fold("Toboali")
    assert ocr_fold("Karnpit") == ocr_fold("Kampit")


# --- 4. dialect and chat ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "name", "trigger"),
    [
        ("kampung kamek Pelangas jalannye rusak parah", "Pelangas", "kampung"),
        ("jalan kampong Kemuja becek nian", "Kemuja", "kampung"),
        ("desa kamek Kundi belum ade listrik", "Kundi", "desa"),
        ("sy tinggal di Kec Sijuk pak", "Sijuk", "kec"),
        ("bantuan di desa Perpat dipotong", "Perpat", "desa"),
        ("org Toboali sudah lapor tp blm ada jawaban", "Toboali", ""),
    ],
)
def test_dialect_and_chat(finder, text, name, trigger):
    m = only(finder, text)
    assert (m.name, m.trigger) == (name, trigger)


# --- 5. ambiguity -------------------------------------------------------------------------------


def test_a_name_in_two_regencies_keeps_both_codes(finder):
    assert only(finder, "Warga Desa Nibung menunggu sertifikat").regions == ("1901", "1904")
    assert only(finder, "Warga Desa Petaling menunggu sertifikat").regions == ("1901", "1902")
    assert only(finder, "Warga Desa Kemuja menunggu sertifikat").regions == ("1901",)


def test_the_place_word_chooses_the_level(finder):
    kec = only(finder, "Camat di Kec. Dendang jarang masuk")
    desa = only(finder, "Kepala Desa Dendang jarang masuk")
    assert (kec.level, kec.regions) == ("kecamatan", ("1906",))
    assert (desa.level, desa.regions) == ("kelurahan", ("1905", "1906"))
    assert only(finder, "Puskesmas Koba tutup").level == "capital"
    assert only(finder, "Lurah Kel. Koba").level == "kelurahan"


def test_islands(finder):
    m = only(finder, "Banyak jalan rusak di Pulau Belitung")
    assert (m.level, m.regions) == ("island", ("1902", "1906"))


# --- 6. not places ------------------------------------------------------------------------------


def test_everyday_words_alone_are_not_places(finder):
    assert finder.find("Air di rumah kami keruh, kota ini panas, rumah baru itu bocor.") == []
    assert finder.find("Tanjung itu indah. Air mengalir ke tanjung.") == []
    assert finder.find("Kami pergi ke kota, lalu ke Kota lagi.") == []


def test_person_names_after_titles_are_not_places(finder):
    assert finder.find("Ibu Kelapa sudah tiga kali datang") == []
    assert finder.find("Surat ditandatangani Sdr. Rukam Hidayat") == []
    assert finder.find("kata Pak Damar petugas loket") == []
    assert finder.find("Bapak/Ibu Mentok yang terhormat") == []
    assert finder.find("diperiksa oleh dr. Mentok Hadi") == []
    assert names(finder, "sy dr Koba pak, mau lapor") == ["Koba"]  # 'dr' in a chat is 'dari'
    # but a place word after the title is still a place word
    assert names(finder, "Bapak Kepala Desa Kemuja tidak menjawab") == ["Kemuja"]


def test_other_provinces_and_the_province_itself_are_not_reported(finder):
    assert finder.find("Saya pindah dari Palembang ke Jakarta") == []
    assert finder.find("Kota Palembang, Sumatera Selatan") == []
    assert finder.find("Ombudsman RI Perwakilan Provinsi Kepulauan Bangka Belitung") == []
    assert finder.find("Kantor Gubernur Babel") == []


# --- speed --------------------------------------------------------------------------------------


def test_speed_is_a_fraction_of_a_millisecond_per_letter(finder):
    letter = (
        "Dengan hormat, saya Hendri warga Desa Kemuja, Kecamatan Mendo Barat, Kabupaten Bangka. "
        "Pada tanggal 4 Mei saya mengurus KTP elektronik di kantor Disdukcapil Sungailiat namun "
        "petugas meminta biaya Rp 150.000 tanpa kuitansi. Ibu Rohani di loket menyarankan saya ke "
        "Pangkalpinang saja. Jalan dari Petaling ke Puding Besar juga rusak. "
    ) * 6
    finder.find(letter)
    rounds = 200
    t0 = time.process_time()
    for _ in range(rounds):
        finder.find(letter)
    ms = (time.process_time() - t0) * 1000 / rounds / len(letter) * 2000
    assert ms < 2.0  # loose, for a shared machine; benchmarks/places_speed.py measures the real figure
