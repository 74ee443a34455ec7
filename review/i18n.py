"""An English toggle for the staff pages: Indonesian is the language of the app; English is looked up by
the Indonesian text (`{{ t("Antrean") }}`), so a string without a translation stays Indonesian."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from jinja2 import pass_context
from starlette.requests import Request

LANG_COOKIE = "narahubung_bahasa"
LANGUAGES = ("id", "en")

ENGLISH: dict[str, str] = {
    # layout and login
    "Antrean": "Queue", "Direktori": "Directory", "Dasbor": "Dashboard", "Keluar": "Log out",
    "Masuk": "Log in", "Nama pengguna": "User name", "Kata sandi": "Password",
    "Aplikasi tinjauan staf Narahubung": "Narahubung staff review app",
    "Kembali ke antrean": "Back to the queue",
    # queue
    "terlama di atas": "oldest first", "Status": "Status", "Jenis pesan": "Message kind",
    "Jenis instansi": "Agency type", "Unit": "Unit", "Wilayah": "Region", "Maladministrasi": "Maladministration",
    "Keyakinan": "Confidence", "Dari": "From", "Sampai": "To", "Cari": "Search",
    "perihal, nomor, nama, surel": "subject, reference, name, e-mail", "Terapkan": "Apply",
    "Atur ulang": "Reset", "semua": "all", "Papan ketik:": "Keyboard:", "pindah baris,": "move,",
    "buka kasus.": "opens the case.", "Nomor": "Reference", "Diterima": "Received", "Perihal": "Subject",
    "Pelapor": "Complainant", "Jenis": "Kind", "Alasan ditinjau": "Why it waits",
    "Tidak ada kasus yang cocok.": "No case matches.", "‹ Sebelumnya": "‹ Previous", "Awal": "First",
    "Berikutnya ›": "Next ›", "(tanpa perihal)": "(no subject)", "rahasia": "confidential",
    # codes staff see
    "Pengaduan": "Complaint", "Tindak lanjut": "Follow-up", "Pertanyaan": "Inquiry",
    "Di luar kewenangan": "Out of mandate", "Provinsi lain": "Other province", "Balasan otomatis": "Auto-reply",
    "Spam": "Spam", "Ucapan terima kasih": "Thanks", "Perlu ditinjau": "Needs review",
    "Diteruskan": "Routed", "Diarsipkan": "Archived", "Ditahan": "Held", "Surat kembali": "Bounced",
    "Dijawab": "Answered", "Dilimpahkan": "Referred",
    "Rendah (< 0,5)": "Low (< 0.5)", "Sedang (0,5–0,8)": "Medium (0.5–0.8)", "Tinggi (≥ 0,8)": "High (≥ 0.8)",
    "Tanpa nilai": "None", "Kirim surel (SMTP)": "Send by e-mail (SMTP)",
    "Simpan sebagai draf di kotak surat (IMAP)": "Save as a draft in the mailbox (IMAP)",
    # case page
    "‹ Antrean": "‹ Queue", "Kasus berikutnya ›": "Next case ›", "pelapor minta dirahasiakan":
    "complainant asks for confidentiality", "Pesan asli": "Original message", "Batas waktu": "Deadline",
    "Sumber": "Source", "Isi (teks)": "Body (text)", "Isi (HTML, disanitasi)": "Body (HTML, sanitised)",
    "Unduh pesan asli": "Download the original", "Lampiran": "Attachments",
    "Tidak ada lampiran.": "No attachments.", "halaman sebagai gambar": "pages as images",
    "Teks yang dibaca pengklasifikasi": "Text the classifier read", "Bukti:": "Evidence:",
    "jenis pesan": "message kind", "jenis instansi": "agency type", "wilayah": "region",
    "maladministrasi": "maladministration", "minta dirahasiakan": "asks for confidentiality",
    "nomor kasus": "case reference", "Bukti yang tidak ditemukan di teks:": "Evidence not found in the text:",
    "Keputusan model": "Model decision", "Model": "Model", "model menahan diri": "the model abstained",
    "3 unit teratas": "Top 3 units", "3 jenis maladministrasi teratas": "Top 3 maladministration types",
    "tidak ada skor unit": "no unit scores", "tidak ada skor jenis": "no type scores",
    "Belum diklasifikasi.": "Not classified yet.", "Label staf:": "Staff label:", "oleh": "by",
    "Tindakan": "Actions", "Sekarang:": "Now:", "Konfirmasi keputusan ini": "Confirm this decision",
    "Koreksi": "Correct", "— tanpa unit —": "— no unit —", "Jenis maladministrasi": "Maladministration types",
    "Nomor kasus yang ditindaklanjuti (untuk tindak lanjut)": "Reference of the case followed up (follow-ups)",
    "Provinsi (untuk provinsi lain)": "Province (other province)", "Simpan koreksi": "Save correction",
    "Teruskan sekarang": "Route now", "Ke unit": "To unit", "— pilih unit —": "— choose a unit —",
    "Cara pengiriman": "Delivery mode", "Lampiran ikut dikirim": "Send the attachments",
    "bawaan": "default", "ya": "yes", "tidak": "no", "tidak, pelapor minta dirahasiakan":
    "no, the complainant asks for confidentiality",
    "Ringkasan laporan dalam surat (boleh disunting)": "Summary in the letter (editable)",
    "Teruskan": "Route", "Pratinjau surat ke": "Preview of the letter to", "kepada": "to",
    "tembusan": "cc", "Pratinjau untuk unit lain": "Preview for another unit", "Pratinjau": "Preview",
    "Kembalikan ke antrean": "Back to the queue", "Tahan kasus (alasan)": "Hold the case (reason)",
    "Tahan": "Hold", "Catatan": "Notes", "Tambah catatan": "Add note", "Belum ada catatan.": "No notes yet.",
    "Pengiriman": "Deliveries", "Riwayat": "History",
    # issue 13: search, working together, the case bar, exports
    "semua status": "every status", "Cari di semua status": "Search every status",
    "Cari: nomor, nama, surel, isi": "Search: reference, name, e-mail, text",
    "Cari kasus di semua status": "Search cases in every status", "Langsung ke isi": "Skip to content",
    "Filter": "Filters", "Filter tersimpan:": "Saved filters:", "belum ada": "none yet", "Kasus saya": "My cases",
    "Lewat tenggat": "Overdue", "Simpan filter ini": "Save this filter", "nama filter ini": "name of this filter",
    "Ditangani oleh": "Handled by", "siapa saja": "anyone", "saya": "me", "belum ditugaskan": "unassigned",
    "Tenggat": "Deadline", "Ditangani": "Handled by", "hari lagi": "days left", "lewat": "overdue by",
    "hari": "days", "Untuk kasus yang dicentang:": "For the ticked cases:", "tugaskan kepada": "assign to",
    "arsipkan sebagai spam": "archive as spam", "Jalankan": "Run", "tidak seorang pun": "nobody",
    "Tugaskan": "Assign", "— belum ditugaskan —": "— unassigned —", "Teruskan ke": "Route to",
    "Arsipkan": "Archive", "tindakan utama": "primary action", "kasus berikutnya": "next case",
    "koreksi": "correct", "tahan": "hold", "catatan": "note", "antrean": "queue", "batas": "deadline",
    "Kirim surat ke luar kantor?": "Send the letter out of the office?", "Ya, kirim sekarang": "Yes, send now",
    "Batal": "Cancel", "Kandidat unit (dasar keputusan)": "Unit candidates (what the decision was made from)",
    "dipilih": "chosen", "Tahan kasus (alasan wajib)": "Hold the case (reason required)",
    "dibaca dengan": "read with", "Pratinjau gambar": "Image preview", "Log audit": "Audit log",
    "Akun": "Account", "Ringkasan harian lewat surel": "Daily e-mail digest",
    "Kirimi saya ringkasan harian": "Send me the daily digest", "Alamat surel": "E-mail address",
    "Simpan": "Save", "Kirim ringkasan sekarang": "Send the digest now", "sistem": "system",
    # issue 14.5: accounts in the app; the confirmation page
    "Pengguna": "Users", "akun": "accounts", "Peran": "Role", "Aktif": "Active", "Terakhir masuk": "Last login",
    "Ubah": "Change", "aktif": "active", "nonaktif": "disabled", "belum pernah": "never",
    "Ubah peran": "Change role", "Nonaktifkan": "Disable", "Aktifkan": "Enable",
    "Kata sandi baru untuk": "New password for", "kata sandi baru": "new password",
    "Ganti kata sandi": "Change password", "Tambah akun": "Add an account", "Tambah": "Add",
    "peninjau": "reviewer", "penyelia": "supervisor", "admin": "admin",
    "Belum ada yang dikirim. Surat baru dikirim setelah Anda menekan tombol di bawah.":
    "Nothing has been sent. The letter goes only when you press the button below.",
    # errors
    "Halaman tidak ditemukan": "Page not found", "Permintaan tidak sah": "Invalid request",
    "Terjadi kesalahan": "Something went wrong",
    "Tidak diizinkan": "Not allowed", "Kasus tidak ditemukan": "Case not found",
    "Lampiran tidak ditemukan": "Attachment not found",
}


def language(request: Request) -> str:
    value = request.cookies.get(LANG_COOKIE, "id")
    return value if value in LANGUAGES else "id"


@pass_context
def translate(context: Any, text: str) -> str:
    request = context.get("request")
    if request is not None and language(request) == "en":
        return ENGLISH.get(text, text)
    return text


@pass_context
def current_language(context: Any) -> str:
    request = context.get("request")
    return language(request) if request is not None else "id"


@pass_context
def language_switch(context: Any) -> str:
    """The link that switches to the other language and comes back to this page."""
    request = context["request"]
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return "/bahasa?" + urlencode({"ke": "id" if language(request) == "en" else "en", "next": here})
