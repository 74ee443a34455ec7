"""Hand-kept word lists that complete the directory for matching (data only, no logic).

The directory names agencies the way the office does; citizens write 'kantor listrik', 'orang
capil', 'SKCK' or 'paspor'. These lists add such spellings, and say which words are too common to
trust without a guard. Keys are agency type ids / lower-case phrases.
"""

from __future__ import annotations

# --- agencies --------------------------------------------------------------------------------

EXTRA_AGENCY_ALIASES: dict[str, tuple[str, ...]] = {
    "disdukcapil": (
        "Dispenduk", "Dispendukcapil", "Dinas Dukcapil", "kantor capil", "orang capil",
        "Kependudukan dan Pencatatan Sipil", "pencatatan sipil", "Dinas Kependudukan",
    ),
    "disdik": ("Dinas Pendidikan", "Dinas Pendidikan Kabupaten", "Dinas Pendidikan Kota"),
    "dinkes": ("Dinas Kesehatan", "Pustu", "puskesmas pembantu"),
    "rsud": ("rumah sakit umum daerah", "RS daerah"),
    "dpmptsp": ("Dinas Penanaman Modal", "DPMPTSP", "DPM-PTSP", "pelayanan terpadu satu pintu"),
    "dinsos": ("pendamping PKH",),
    "pupr": ("Dinas PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PU", "DPUPR"),
    "inspektorat": ("Inspektorat Daerah",),
    "samsat": ("UPTD Samsat", "kantor Samsat", "Badan Pengelolaan Pajak dan Retribusi Daerah"),
    "bpn": ("Kantor Pertanahan", "kantor BPN", "Kantah", "ATR BPN", "petugas ukur"),
    "polres": ("Polresta", "Polsek", "Polisi", "kepolisian", "SPKT", "penyidik", "Reskrim",
               "Satreskrim", "Satlantas", "Polda", "Unit Reskrim", "kapolsek", "kanit"),
    "kemenag": ("KUA", "Kantor Urusan Agama", "penghulu"),
    "imigrasi": ("Kantor Imigrasi", "Kanim", "petugas imigrasi"),
    "pln": ("kantor listrik", "PLN ULP", "PLN UP3", "PLN Mobile", "petugas PLN"),
    "bpjs_kesehatan": ("BPJS Kesehatan", "BPJS Kes", "JKN-KIS", "kartu KIS", "Mobile JKN"),
    "bpjs_tk": ("BPJS Ketenagakerjaan", "BPJS TK", "BPJamsostek", "BP Jamsostek", "BPJS-TK"),
    "telkom": ("Plasa Telkom", "Plaza Telkom", "Telkom"),
    "pdam": ("PDAM", "Perumda Air Minum", "perusahaan air", "air PDAM"),
}

EXTRA_SERVICE_HINTS: dict[str, tuple[str, ...]] = {
    "disdukcapil": ("KTP", "KTP elektronik", "KK", "akta", "akte kelahiran", "akte", "blanko KTP",
                    "surat pindah", "SKPWNI", "perekaman", "rekam KTP", "cetak KTP",
                    "akta perkawinan", "akta cerai", "Kartu Identitas Anak", "biodata penduduk"),
    "disdik": ("SD negeri", "SMP negeri", "SDN", "SMPN", "sekolah dasar", "rapor", "BOS",
               "dana BOS", "Dapodik", "kepala sekolah"),
    "disdik_prov": ("SMA negeri", "SMK negeri", "SMAN", "SMKN", "sekolah menengah atas"),
    "dinkes": ("bidan desa", "Pustu"),
    "rsud": ("rumah sakit", "RS", "bangsal", "perawat", "pasien", "rawat jalan", "poli"),
    "dpmptsp": ("izin mendirikan bangunan", "persetujuan bangunan gedung", "perizinan", "SIUP",
                "izin lingkungan", "izin praktik"),
    "dinsos": ("bantuan langsung tunai", "BLT", "kursi roda", "bantuan lansia", "sembako"),
    "pupr": ("jalan berlubang", "saluran air", "irigasi", "aspal", "trotoar", "jalan kabupaten"),
    "samsat": ("pajak motor", "pajak mobil", "mutasi kendaraan", "plat nomor", "TNKB", "BPKB",
               "pajak progresif", "bea balik nama", "pajak tahunan"),
    "bpn": ("sertifikat", "sertipikat", "pemecahan sertifikat", "balik nama sertifikat", "PTSL",
            "peta bidang", "ukur ulang", "hak tanggungan", "SHM", "warkah"),
    "polres": ("SKCK", "SP2HP", "laporan polisi", "STPL", "surat tanda penerimaan laporan",
               "tilang", "SIM", "SIM A", "SIM C", "BAP", "penyidikan", "penyelidikan",
               "laporan kehilangan", "LP"),
    "kemenag": ("buku nikah", "pencatatan nikah", "biaya nikah", "nikah", "rekomendasi paspor haji",
                "haji", "umrah", "madrasah", "MTsN", "MIN", "tunjangan guru madrasah"),
    "imigrasi": ("paspor", "M-Paspor", "izin tinggal", "KITAS", "KITAP", "antrean paspor"),
    "pln": ("listrik", "token listrik", "meteran listrik", "tagihan listrik", "listrik padam",
            "pemadaman", "pasang baru", "tambah daya", "kWh", "travo", "trafo", "tiang listrik",
            "PJU"),
    "bpjs_kesehatan": ("BPJS", "JKN", "KIS", "kartu BPJS", "iuran BPJS", "peserta PBI", "faskes",
                       "FKTP", "autodebet iuran"),
    "bpjs_tk": ("JHT", "jaminan hari tua", "klaim JHT", "JKK", "JKM", "JKP", "JMO",
                "saldo JHT"),
    "telkom": ("IndiHome", "internet", "wifi", "modem", "147", "tagihan internet",
               "berhenti berlangganan"),
    "pdam": ("air bersih", "air keruh", "air tidak mengalir", "air mati", "tagihan air",
             "meteran air", "pipa", "sambungan air", "air ledeng"),
}

# Hints too generic to decide an agency on their own (lower case).
WEAK_HINTS: frozenset[str] = frozenset({
    "obat", "dokter", "kamar", "antrean", "rujukan", "klaim", "iuran", "token", "meteran",
    "pencairan", "seragam", "sd", "smp", "asn", "nik", "kia", "pengukuran", "visa", "banjir",
    "kepala desa", "dana desa", "pegawai kecamatan", "sambungan baru", "haji", "man", "balik nama",
    "pasien", "perawat", "rs", "poli", "rumah sakit", "internet", "wifi", "modem", "147", "pipa",
    "listrik", "nikah", "akta", "akte", "kk", "bap", "lp", "sim", "kis", "bpjs", "jkn",
    "penyidikan", "penyelidikan", "perizinan", "sertifikat", "sertipikat", "aspal", "saluran air",
    "sembako", "rapor", "bos", "umrah", "imunisasi", "posyandu", "ambulans", "igd", "rawat inap",
    "rawat jalan", "bangsal", "jembatan", "drainase", "lampu jalan", "ktp", "min", "pemadaman",
    "trafo", "travo", "pengawasan internal", "faskes", "zonasi", "ijazah", "pungutan sekolah",
    "tunjangan guru", "kepala sekolah", "surat kehilangan", "laporan kehilangan", "tilang",
    "air bersih", "air mati", "kursi roda", "bantuan lansia",
})

# Directory aliases that name a payer or a building more often than the agency complained about
# ('pasien BPJS', a Disdukcapil counter in the Mal Pelayanan Publik): counted as weak hints.
DEMOTED_ALIASES: frozenset[str] = frozenset({"bpjs", "kis", "jkn", "mal pelayanan publik", "mpp"})

# Types whose service words overlap: a rival from the same family counts only by its names.
FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"disdik", "disdik_prov"}),
    frozenset({"dinkes", "rsud", "bpjs_kesehatan"}),
)

# (generic, specific): service words of `generic` go to `specific` when only `specific` is named
# or hinted by its own words (school words next to 'SMA' belong to the province).
ABSORBED_BY: tuple[tuple[str, str], ...] = (("disdik", "disdik_prov"),)
# ... unless `generic` has words of its own level (an SD or SMP is the kabupaten's school).
LEVEL_WORDS: dict[str, frozenset[str]] = {
    "disdik": frozenset({"sd", "smp", "sdn", "smpn", "sd negeri", "smp negeri", "sekolah dasar",
                         "tk", "paud"}),
}

# Acronyms whose lower-case form is an everyday word: accept only when written in capitals.
CASED_ACRONYMS: frozenset[str] = frozenset({
    "man", "min", "sim", "kis", "kia", "sd", "kk", "pkp", "oss", "ulp", "pbi", "nib", "slf", "pkb",
    "bos", "rs", "lp", "bap", "jkk", "jkm", "jkp", "jmo", "blt", "pju", "up3", "kip", "poli", "sdn",
    "pkh", "kua", "nik", "asn", "igd", "roya", "pus", "mpp", "bpnt", "spkt", "sppt",
})

# Agency types that also exist at the province level (label: phrases naming the province body).
PROVINCIAL_AGENCY_NAMES: dict[str, tuple[str, ...]] = {
    "inspektorat": ("Inspektorat Provinsi", "Inspektorat Prov", "Inspektorat Pemprov",
                    "Inspektorat Provinsi Kepulauan Bangka Belitung", "Inspektorat Babel"),
    "dinsos": ("Dinas Sosial Provinsi", "Dinsos Provinsi", "Dinsos Prov"),
    "dinkes": ("Dinas Kesehatan Provinsi", "Dinkes Provinsi", "Dinkes Prov"),
    "rsud": ("RSUD Provinsi", "RSUD Dr. (H.C.) Ir. Soekarno", "RSUD Soekarno", "RS Provinsi"),
    "pupr": ("Dinas PUPR Provinsi", "PUPR Provinsi", "Dinas PU Provinsi"),
    "disdukcapil": ("Disdukcapil Provinsi", "Dukcapil Provinsi"),
    "dpmptsp": ("DPMPTSP Provinsi", "DPMPTSP Prov"),
}

# --- places ------------------------------------------------------------------------------------

OWN_PROVINCE_NAMES: tuple[str, ...] = (
    "Kepulauan Bangka Belitung", "Kep. Bangka Belitung", "Kep Bangka Belitung", "Bangka Belitung",
    "Bangka-Belitung", "Babel", "Kep. Babel", "Provinsi Kepulauan Bangka Belitung", "Bangka Belitong",
    "Prov. Kep. Bangka Belitung", "Pemprov Babel", "Bangka dan Belitung",
)

ISLANDS: dict[str, tuple[str, ...]] = {
    "island:bangka": ("Pulau Bangka",),
    "island:belitung": ("Pulau Belitung", "Pulau Belitong", "Belitong"),
}

# Region aliases that are also the name of an island (weaker evidence).
BARE_ISLAND_NAMES: frozenset[str] = frozenset({"bangka", "belitung"})

# Kelurahan/desa spellings never used as place evidence (everyday words or phrases).
KELURAHAN_SKIP: frozenset[str] = frozenset({
    "kota", "baru", "tanjung", "padang", "riau", "air putih", "pintu air", "pasir putih",
    "kejaksaan", "sriwijaya", "teladan", "pembaharuan", "masjid jamik", "asam", "malik", "rebo",
    "tukak", "kimak", "labu", "rias", "teru", "paku", "kota kapur", "tiram",
})

# Place names that are everyday words: accepted only after a place word (Desa, Kec., di ...)
# and when capitalised.
GUARDED_PLACE_NAMES: frozenset[str] = frozenset({
    "balok", "benteng", "berang", "bintang", "gantung", "gudang", "jeruk", "kapuk", "kelapa",
    "kenanga", "keramat", "lalang", "lintang", "lumut", "matras", "nangka", "parit", "payung",
    "rambat", "saing", "tebing", "telak", "terak", "terong", "trubus", "belimbing", "jelutung",
    "penyamun", "melintang", "damar", "pemali", "badau", "mentigi", "gadung", "lampur", "serdang",
    "sempan", "kulur", "jurung", "irat", "bukit besar", "taman bunga", "sinar baru",
    "karya makmur", "mekar jaya", "kurnia jaya", "dwi makmur", "sukajaya", "pulau besar",
    "air batu", "batu itam", "sungai baru", "padang baru", "tanah bawah", "pasar padi",
    "bangka kota", "sinar sari", "sinar surya", "surya timur", "sri menanti", "bintet", "dalil",
    "gedung nasional", "rawa bangun", "bukit sari", "batu intan", "air itam", "sidoharjo",
    "rejosari", "lubuk besar", "kayuarang", "tanjung pura", "dukong", "namang", "mayang",
    "simpang tiga", "cendil", "jangkang", "lenggang", "pergam", "tepus", "permis", "rajik", "penyak",
    "perlang", "delas", "bencah", "ranggas", "ketap", "buding", "ibul", "sadai", "merawang",
})

# Other provinces: extra spellings, and canonical names (as the directory's other_offices write them).
PROVINCE_ALIASES: dict[str, tuple[str, ...]] = {
    "Daerah Khusus Ibukota Jakarta": ("DKI Jakarta", "DKI", "Jakarta"),
    "Daerah Istimewa Yogyakarta": ("DI Yogyakarta", "DIY", "Jogja", "Yogya", "Jogjakarta"),
    "Sumatera Utara": ("Sumatra Utara", "Sumut"),
    "Sumatera Barat": ("Sumatra Barat", "Sumbar"),
    "Sumatera Selatan": ("Sumatra Selatan", "Sumsel"),
    "Kepulauan Riau": ("Kepri", "Kep. Riau"),
    "Jawa Barat": ("Jabar",),
    "Jawa Tengah": ("Jateng",),
    "Jawa Timur": ("Jatim",),
    "Kalimantan Barat": ("Kalbar",),
    "Kalimantan Timur": ("Kaltim",),
    "Kalimantan Selatan": ("Kalsel",),
    "Kalimantan Tengah": ("Kalteng",),
    "Sulawesi Selatan": ("Sulsel",),
    "Nusa Tenggara Barat": ("NTB",),
    "Nusa Tenggara Timur": ("NTT",),
}

PROVINCE_CANONICAL: dict[str, str] = {
    "Daerah Khusus Ibukota Jakarta": "DKI Jakarta",
    "Daerah Istimewa Yogyakarta": "DI Yogyakarta",
}

# Bare regency/city names of other provinces that are everyday words, common personal names, or
# also places of this province.
OTHER_PLACE_SKIP: frozenset[str] = frozenset({
    "batu", "batu bara", "toba", "karo", "agam", "siak", "bungo", "tebo", "lahat", "kaur", "metro",
    "lingga", "banjar", "batang", "pati", "kudus", "serang", "badung", "belu", "alor", "ende",
    "malaka", "landak", "kapuas", "tapin", "paser", "berau", "bone", "poso", "buol", "sigi",
    "barru", "wajo", "muna", "buton", "buru", "tual", "puncak", "sorong", "padang", "solok", "bima",
    "malang", "lebak", "lebong", "seluma", "sabang", "langsa", "dairi", "nias", "palu", "medan",
    "kuningan", "banyuasin", "tebing tinggi", "sungai penuh", "lima puluh kota", "intan jaya",
    "ketapang", "asahan", "mesuji", "luwu", "kota baru", "kotabaru", "tanah laut", "gunung mas",
    "empat lawang", "sampang", "bangli", "bitung", "toli-toli", "sinjai", "majene", "keerom",
})

# Proper names of single-region units: naming one tells the region too ('RSUD Depati Hamzah').
UNIT_PROPER_NAMES: dict[str, tuple[str, ...]] = {
    "rsud-1901": ("RSUD Depati Bahrin", "RS Depati Bahrin", "Depati Bahrin"),
    "rsud-1902": ("RSUD Marsidi Judono", "RSUD dr. H. Marsidi Judono", "Marsidi Judono"),
    "rsud-1903": ("RSUD Junjung Besaoh", "Junjung Besaoh"),
    "rsud-1904": ("RSUD Bangka Tengah",),
    "rsud-1905": ("RSUD Sejiran Setason", "Sejiran Setason"),
    "rsud-1906": ("RSUD Muhammad Zein", "RSUD M. Zein", "Muhammad Zein"),
    "rsud-1971": ("RSUD Depati Hamzah", "RS Depati Hamzah", "Depati Hamzah"),
    "pdam-1971": ("Tirta Pinang",),
    "pdam-1901": ("Tirta Bangka",),
    "pdam-1902": ("Tirta Belitong", "Tirta Belitung"),
}

# Regions on each island (island labels of the gazetteer -> region codes).
ISLAND_REGIONS: dict[str, tuple[str, ...]] = {
    "island:bangka": ("1901", "1903", "1904", "1905", "1971"),
    "island:belitung": ("1902", "1906"),
}
