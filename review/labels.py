"""Indonesian names for the codes staff see (kinds, statuses), and the directory's names."""

from __future__ import annotations

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
