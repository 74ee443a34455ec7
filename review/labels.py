"""Indonesian names for the codes staff see (kinds, statuses), and the directory's names."""

from __future__ import annotations

import re

from core.directory import Directory

KIND_NAMES = {
    "complaint": "Pengaduan",
    "follow_up": "Tindak lanjut",
    "inquiry": "Pertanyaan",
    "out_of_mandate": "Di luar kewenangan",
    "other_province": "Provinsi lain",
    "auto_reply": "Balasan otomatis",
    "spam": "Spam",
    "thanks": "Ucapan terima kasih",
}
STATUS_NAMES = {
    "received": "Diterima",
    "needs_review": "Perlu ditinjau",
    "routed": "Diteruskan",
    "archived": "Diarsipkan",
    "held": "Ditahan",
    "bounced": "Surat kembali",
    "answered": "Dijawab",
    "referred": "Dilimpahkan",
    "closed": "Selesai",
}
BAND_NAMES = {"rendah": "Rendah (< 0,5)", "sedang": "Sedang (0,5–0,8)", "tinggi": "Tinggi (≥ 0,8)",
              "kosong": "Tanpa nilai"}
DELIVERY_MODE_NAMES = {"smtp": "Kirim surel (SMTP)", "imap_draft": "Simpan sebagai draf di kotak surat (IMAP)"}


class Names:
    """Lookups for templates: unit, agency type, region and maladministration names from the directory."""

    def __init__(self, directory: Directory) -> None:
        self.units = {u.id: u.name for u in directory.units}
        self.agency_types = {t.id: t.name for t in directory.agency_types}
        self.regions = {r.code: r.name for r in directory.regions}
        self.malad = {m.id: m.name for m in directory.maladministration_types}
        self.kinds = KIND_NAMES
        self.statuses = STATUS_NAMES
        self.bands = BAND_NAMES
        self.modes = DELIVERY_MODE_NAMES

    def unit(self, unit_id: str | None) -> str:
        return self.units.get(unit_id or "", unit_id or "—")

    def kind(self, kind: str | None) -> str:
        return KIND_NAMES.get(kind or "", kind or "—")

    def status(self, status: str) -> str:
        return STATUS_NAMES.get(status, status)

    def malad_type(self, type_id: str) -> str:
        return self.malad.get(type_id, type_id)


# --- what the history, documents and review reasons say, as staff read it (issue 13 point 9) ---

EVENT_NAMES = {
    "opened": "kasus dibuka",
    "held_for_review": "menunggu tinjauan staf",
    "routed": "diteruskan ke unit",
    "route_by_staff": "diteruskan oleh staf",
    "referred": "dilimpahkan ke perwakilan lain",
    "archived": "diarsipkan",
    "archived_by_staff": "diarsipkan oleh staf",
    "answered": "dijawab oleh unit",
    "bounced": "surat kembali (tidak terkirim)",
    "delivery_failed": "pengiriman surat gagal",
    "reply_drafted": "draf jawaban disiapkan",
    "held_by_staff": "ditahan oleh staf",
    "released_by_staff": "dikembalikan ke antrean",
    "staff_confirm": "keputusan dikonfirmasi staf",
    "staff_correct": "keputusan dikoreksi staf",
    "label_confirm": "label dikonfirmasi",
    "label_correct": "label dikoreksi",
    "note_added": "catatan ditambahkan",
    "reminder": "pengingat dikirim ke unit",
    "escalated": "dieskalasi ke atasan unit",
    "escalation_impossible": "eskalasi tidak dapat dilakukan",
    "triage_marks_due": "tanda di kotak surat diperbarui",
    "message_reply": "balasan unit diterima",
    "message_bounce": "surat kembali diterima",
    "message_follow_up": "tindak lanjut pelapor diterima",
    "message_thanks": "ucapan terima kasih diterima",
    "rerouted": "dialihkan ke unit lain",
    "assigned": "ditugaskan",
    "finished": "diselesaikan",
    "finished_by_staff": "diselesaikan oleh staf",
    "login": "masuk",
    "login_failed": "gagal masuk",
    "user_added": "akun ditambahkan",
    "password_changed": "kata sandi diganti",
    "password_set": "kata sandi ditetapkan",
    "user_enabled": "akun diaktifkan",
    "user_disabled": "akun dinonaktifkan",
    "role_changed": "peran diubah",
    "unit_created": "unit ditambahkan",
    "unit_updated": "unit diubah",
    "unit_deactivated": "unit dinonaktifkan",
    "unit_activated": "unit diaktifkan kembali",
    "queued": "surat masuk kotak keluar",
    "processed": "pesan diproses",
    "parse_failed": "pesan tidak dapat diurai",
    "attached": "pesan dilampirkan ke kasus",
    "reprocess": "pesan diproses ulang",
}
METHOD_NAMES = {
    "plain": "teks surel",
    "html": "HTML surel",
    "text_layer": "lapisan teks PDF",
    "ocr": "OCR (pindaian dibaca mesin)",
    "docx": "dokumen Word",
    "odt": "dokumen OpenDocument",
    "rtf": "dokumen RTF",
    "tnef": "lampiran winmail.dat",
    "zip": "arsip ZIP",
    "none": "tidak dibaca",
}
DEFECT_NAMES = {
    "CloseBoundaryNotFoundDefect": "batas akhir bagian surel tidak ditemukan",
    "StartBoundaryNotFoundDefect": "batas awal bagian surel tidak ditemukan",
    "MultipartInvariantViolationDefect": "struktur bagian surel tidak sah",
    "CharsetDecodeDefect": "pengodean huruf tidak dapat dibaca",
    "InvalidBase64CharactersDefect": "lampiran base64 berisi karakter tidak sah",
    "InvalidBase64PaddingDefect": "lampiran base64 terpotong",
    "InvalidBase64LengthDefect": "panjang lampiran base64 tidak sah",
    "MissingHeaderBodySeparatorDefect": "pemisah kepala dan isi surel hilang",
    "NoBoundaryInMultipartDefect": "surel multipart tanpa batas bagian",
    "InvalidHeaderDefect": "kepala surel tidak sah",
    "HeaderMissingRequiredValue": "kepala surel tanpa nilai wajib",
    "NonASCIILocalPartDefect": "alamat surel berisi huruf non-ASCII",
    "ObsoleteHeaderDefect": "kepala surel berformat usang",
    "UndecodableBytesDefect": "bita yang tidak dapat dibaca",
    "InvalidMultipartContentTransferEncodingDefect": "pengodean bagian surel tidak sah",
    "MisplacedEnvelopeHeaderDefect": "kepala amplop di tempat yang salah",
    "FirstHeaderLineIsContinuationDefect": "baris kepala pertama tidak sah",
}
_RULE_TAG = re.compile(r"\s*\(aturan [\w.-]+\)")
_KIND_CODE = re.compile(r"\bjenis pesan (\w+)")
_SCORE = re.compile(r"keyakinan (\d\.\d+) di bawah ambang (\d\.\d+)")
_DEFECT = re.compile(r"\b([A-Z]\w+(?:Defect|Value))\b(?::\s*[^;]*)?")


def event_name(action: str) -> str:
    """A history event as a phrase ("ditahan oleh staf"); a delivery's "status:sent" by its state."""
    if action.startswith("status:"):
        from review.deps import DELIVERY_STATES

        return "surat " + DELIVERY_STATES.get(action.split(":", 1)[1], action.split(":", 1)[1])
    return EVENT_NAMES.get(action, action.replace("_", " "))


def method_name(method: str | None) -> str:
    return METHOD_NAMES.get(method or "none", method or "—")


def _percent(match: re.Match[str]) -> str:
    return f"keyakinan {float(match.group(1)) * 100:.0f}% di bawah ambang {float(match.group(2)) * 100:.0f}%"


def reason_text(reason: str) -> str:
    """A review reason as staff read it: kinds and defects named in Indonesian, scores as percent, the
    rule's code name left out."""
    text = _RULE_TAG.sub("", str(reason))
    text = _KIND_CODE.sub(lambda m: "jenis pesan " + KIND_NAMES.get(m.group(1), m.group(1)).lower(), text)
    text = _SCORE.sub(_percent, text)
    return _DEFECT.sub(lambda m: DEFECT_NAMES.get(m.group(1), "bagian surel rusak"), text).strip()
