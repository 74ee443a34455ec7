#!/usr/bin/env python3
"""Write the bundled sample inbox (samples/inbox/*.eml + expected.yaml) and the scanned-letter
sample (samples/letters/*.png + expected.yaml).

Everything here is fictitious: people, street addresses, phone numbers, NIKs, e-mail domains
(all under the reserved .example TLD) and IP addresses (RFC 5737 documentation ranges).
Places (kabupaten, kecamatan, desa/kelurahan) are real names from config/directory.yaml and
the areaid package data.

The output is deterministic: fixed Date / Message-ID / MIME boundaries, reportlab PDFs built
with invariant=1, a seeded noise generator for the PNG. Running this script twice gives
byte-identical files.

    .venv/bin/python samples/make_inbox.py          # (re)write everything
    .venv/bin/python samples/make_inbox.py --check  # also verify parse + label consistency
"""

from __future__ import annotations

import argparse
import hashlib
import html
import io
import random
import sys
import textwrap
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
INBOX = HERE / "inbox"
LETTERS = HERE / "letters"
DIRECTORY = HERE.parent / "config" / "directory.yaml"

WIB = timezone(timedelta(hours=7))
INTAKE = "pengaduan.babel@ombudsman.example"
OFFICE_NAME = "Ombudsman RI Perwakilan Kepulauan Bangka Belitung"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


def when(day: int, hour: int, minute: int, second: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=WIB)


def labels(
    kind: str,
    unit: str | None = None,
    agency_type: str | None = None,
    region: str | None = None,
    maladministration: tuple[str, ...] = (),
    *,
    confidential: bool = False,
    has_pdf: bool = False,
    malformed: bool = False,
) -> dict:
    return {
        "kind": kind,
        "unit": unit,
        "agency_type": agency_type,
        "region": region,
        "maladministration": list(maladministration),
        "confidential": confidential,
        "has_pdf": has_pdf,
        "malformed": malformed,
    }


@dataclass
class Pdf:
    filename: str
    title: str
    author: str
    text: str


@dataclass
class Sample:
    file: str
    summary: str  # one line, written as a comment into expected.yaml
    sender: str
    subject: str
    date: datetime
    text: str
    labels: dict
    html: bool = False  # also send a text/html alternative (webmail style)
    wrap: bool = False  # hard-wrap at 72 columns (desktop client style)
    pdf: Pdf | None = None
    headers: dict[str, str] = field(default_factory=dict)
    relay: str = "192.0.2.10"


# ---------------------------------------------------------------------------------------------
# Message texts. All new text written for this sample; all people are fictitious.
# ---------------------------------------------------------------------------------------------

KTP_KOBA = """\
Assalamualaikum wr. wb.

Yth. Bapak/Ibu petugas Ombudsman,

Perkenalkan, saya Sulastri Wahyuni, warga Desa Berok, Kecamatan Koba. Saya ingin menyampaikan keluhan tentang pembuatan KTP elektronik di kantor Dukcapil Bangka Tengah.

Saya melakukan perekaman e-KTP pada tanggal 9 Juni 2026 karena KTP lama saya hilang bersama dompet. Waktu itu petugas di loket mengatakan KTP bisa diambil dalam 14 hari kerja, dan saya diberi resi yang sudah distempel. Sejak itu saya sudah enam kali datang ke kantor Dukcapil di Koba. Jawabannya selalu sama: blangko habis, tunggu kiriman dari pusat, nanti dikabari lewat WA. Sampai hari ini, hampir lima bulan kemudian, tidak pernah ada kabar.

Tanpa KTP saya tidak bisa mencairkan tabungan di bank dan belum bisa mendaftarkan anak saya yang baru lahir ke BPJS. Saya mohon bantuan Ombudsman agar KTP saya segera dicetak, atau paling tidak saya diberi surat keterangan pengganti yang berlaku.

Terima kasih atas perhatiannya.

Wassalamualaikum wr. wb.

Sulastri Wahyuni
0813-7702-4519
"""

BPN_COVER = """\
Selamat pagi,

Bersama ini terlampir surat pengaduan saya (PDF). Mohon dapat ditindaklanjuti.

Terima kasih.

Rusdi Hamzah

Dikirim dari ponsel saya
"""

BPN_LETTER = """\
Sungailiat, 31 Oktober 2026

Perihal : Pengaduan atas pelayanan penerbitan sertifikat tanah
Lampiran : 3 (tiga) lembar fotokopi

Kepada Yth.
Kepala Ombudsman RI Perwakilan Kepulauan Bangka Belitung
di Pangkalpinang

Dengan hormat,

Saya yang bertanda tangan di bawah ini:
Nama : Rusdi Hamzah
Alamat : Jl. Teratai Ujung No. 17, Kelurahan Sri Menanti, Kecamatan Sungailiat, Kabupaten Bangka
Pekerjaan : Nelayan

dengan ini menyampaikan pengaduan terhadap pelayanan Kantor Pertanahan Kabupaten Bangka di Sungailiat, dengan uraian sebagai berikut:

1. Pada tanggal 16 Februari 2026 saya mendaftarkan permohonan sertifikat hak milik atas sebidang tanah kebun seluas kurang lebih 1.200 m2 di Kelurahan Sri Menanti. Berkas saya dinyatakan lengkap dan saya menerima tanda terima berkas nomor 00412/2026. Menurut petugas loket, sertifikat selesai paling lama 98 hari kerja.

2. Pengukuran tanah sudah dilakukan petugas ukur pada bulan April 2026. Namun sampai surat ini saya tulis, sudah lebih dari delapan bulan sejak pendaftaran, sertifikat belum juga terbit.

3. Pada hari Rabu, 21 Oktober 2026 saya kembali menanyakan berkas saya. Seorang petugas laki-laki berseragam (saya tidak mengetahui namanya) mengatakan berkas saya "bisa dibantu lebih cepat" asalkan saya menyediakan "uang rokok" sebesar Rp 1.500.000. Saya menolak karena seluruh biaya resmi sudah saya bayar sesuai kuitansi dari loket.

4. Setelah saya menolak, petugas tersebut mengatakan berkas saya "masih antre di meja" dan saya diminta menunggu tanpa kepastian waktu.

Saya merasa dipersulit karena tidak mau memberikan uang di luar biaya resmi. Oleh karena itu saya mohon Ombudsman RI Perwakilan Kepulauan Bangka Belitung berkenan memeriksa hal ini dan mendorong agar sertifikat saya diterbitkan sesuai ketentuan.

Sebagai bahan pertimbangan, saya lampirkan fotokopi tanda terima berkas, kuitansi pembayaran, dan KTP saya.

Demikian surat pengaduan ini saya sampaikan. Atas perhatian Bapak/Ibu saya ucapkan terima kasih.

Hormat saya,


Rusdi Hamzah
"""

SPAM_PINJOL = """\
BUTUH DANA CEPAT??? CAIR DALAM 5 MENIT!!!

Halo Bapak/Ibu,

Selamat! Nomor Anda terpilih untuk mendapatkan PINJAMAN TANPA JAMINAN hingga Rp 50.000.000 dari DanaKilat.
- Tanpa BI checking / SLIK
- Bunga mulai 0%* per hari
- Cukup foto KTP + selfie
- Langsung cair ke rekening atau e-wallet

BONUS: ikut program investasi emas digital kami, profit dijamin 30% per bulan! Modal mulai Rp 100 ribu saja.

Klik link berikut untuk klaim limit Anda sekarang: https://danakilat-cair.example/klaim?ref=BB2611
Promo hanya berlaku 24 jam!!

*Syarat dan ketentuan berlaku.
Untuk berhenti menerima email ini klik https://danakilat-cair.example/unsub
"""

PLN_KELAPA_KAMPIT = """\
slmt malam min ombudsman

sy mau ngadu soal PLN. sy daftar pasang baru listrik utk rumah baru sy di desa Mentawak, Kelapa Kampit, Beltim. daftar lwt aplikasi PLN Mobile tgl 28 Juli, sdh bayar biaya penyambungan 1300 VA lunas via bank, ada bukti bayarnya.

katanya maks 5 hari kerja petugas dtg pasang meteran. skrg sdh lbh 3 bln blm jg dipasang. sy sdh 4x dtg ke kantor PLN di Manggar, jawabannya selalu "stok meteran kosong pak, tunggu kiriman dr Tanjung Pandan". telp 123 jg sdh, cuma dikasih nomor laporan trus tdk ada kabar.

skrg kami numpang kabel dr rumah mertua, tiap malam anak2 belajar pake lampu seadanya. tlg dibantu min, sy bingung mau ngadu kemana lg \U0001F64F

Andi
0877-1240-9936
"""

RSUD_TOBOALI = """\
Kepada Ombudsman,

Saya mau melaporkan kejadian yang kami alami Sabtu malam tanggal 31 Oktober 2026 di IGD RSUD Junjung Besaoh, Toboali.

Bapak saya (71 tahun) sesak napas dan kami bawa ke IGD sekitar jam 23.00. Beliau sudah dipasang oksigen dan infus. Sekitar jam 01.00 saya mendatangi meja perawat untuk menanyakan apakah bapak akan dipindahkan ke ruang rawat inap. Seorang perawat laki-laki malah membentak saya di depan pasien dan keluarga pasien lain: "IBU JANGAN NGATUR-NGATUR, DUDUK SAJA DI SANA, KAMI JUGA CAPEK!" Waktu adik saya ikut bertanya dengan baik-baik, dia dibilang "kalau tidak terima bawa saja bapaknya pulang".

Bapak saya akhirnya dipindahkan ke ruang rawat pagi harinya dan alhamdulillah sekarang sudah membaik. Tapi cara petugas itu berbicara kepada keluarga pasien sangat tidak pantas. Kami datang ke rumah sakit karena darurat, bukan untuk dimarahi.

SAYA MINTA PETUGAS TERSEBUT DITEGUR DAN PIHAK RUMAH SAKIT MEMINTA MAAF KEPADA KELUARGA KAMI.

Di name tag-nya tertulis "Rdn", jaga shift malam.

Yuliana Fitri
Toboali, Bangka Selatan
"""

INQUIRY = """\
Selamat sore Bapak/Ibu.

Saya mau bertanya, bagaimana cara menyampaikan laporan ke Ombudsman Babel? Apakah harus datang langsung ke kantor di Pangkalpinang atau cukup lewat email atau WhatsApp? Dokumen apa saja yang perlu disiapkan?

Kantor buka jam berapa saja, dan apakah hari Sabtu juga buka?

Terima kasih sebelumnya.

Salam,
Agustina
"""

BANSOS_SAING = """\
Yth. Ombudsman RI Perwakilan Kepulauan Bangka Belitung,

Sebelumnya saya mohon dengan sangat agar identitas saya dirahasiakan dan tidak disampaikan kepada pihak desa maupun dinas, karena saya khawatir keluarga saya akan dipersulit di kemudian hari.

Identitas saya:
Nama   : Marlina Sari
NIK    : 1901054113830002
Alamat : Dusun II RT 004, Desa Saing, Kecamatan Puding Besar, Kabupaten Bangka
HP/WA  : 0852-6610-3378

Saya ingin mengadukan penetapan penerima bantuan sosial (BPNT dan bantuan sembako daerah) di desa kami. Sejak pendataan ulang bulan Agustus 2026 yang dilakukan perangkat desa bersama pendamping dari Dinas Sosial Kabupaten Bangka, daftar penerima berubah. Dari 23 nama penerima baru, sedikitnya 15 orang adalah keluarga dekat Kepala Desa: adik iparnya, mertua anaknya, dua keponakannya, dan beberapa orang yang tinggal serumah dengan kerabatnya. Beberapa dari mereka punya kebun sawit dan mobil.

Sementara itu warga yang benar-benar tidak mampu, termasuk dua janda lansia di RT saya dan satu keluarga yang suaminya lumpuh, justru dicoret dari daftar tanpa pemberitahuan.

Pada tanggal 12 Oktober 2026 saya bersama dua warga lain sudah menyampaikan keberatan tertulis ke Dinas Sosial di Sungailiat. Petugas di sana menerima surat kami, tetapi hanya mengatakan data sudah diverifikasi dan "itu kewenangan desa". Daftar tersebut tetap disahkan dan bantuan sudah disalurkan bulan ini.

Kami mohon Ombudsman memeriksa proses verifikasi dan penetapan penerima bansos di Desa Saing.

Sekali lagi, mohon nama dan data saya tidak dibuka kepada siapa pun.

Hormat saya,
Marlina Sari
"""

SAMSAT_BODY = """\
Yth. Bapak/Ibu Ombudsman RI Perwakilan Babel,

Dengan hormat, bersama e-mail ini saya sampaikan surat pengaduan terkait pelayanan balik nama dan penerbitan STNK sepeda motor saya di kantor Samsat Pangkalpinang. Ringkasnya: petugas meminta surat keterangan domisili dari kelurahan dan surat rekomendasi Satlantas yang tidak tercantum dalam persyaratan resmi, sehingga berkas saya sudah tiga kali dikembalikan. Kronologi lengkap ada di surat terlampir (PDF).

Atas perhatian Bapak/Ibu saya ucapkan terima kasih.

Salam,
Hendrik Gunawan
Kel. Bukit Merapin, Kec. Gerunggang, Pangkalpinang
HP 0821-7345-0062

--
Dikirim dari HP Android. Maaf kalau ada typo.
"""

SAMSAT_LETTER = """\
Pangkalpinang, 3 November 2026

Perihal : Pengaduan pelayanan balik nama kendaraan bermotor (BBNKB) dan STNK
Lampiran : 1 (satu) berkas

Kepada Yth.
Kepala Ombudsman RI Perwakilan Kepulauan Bangka Belitung
Jln. Ahmad Yani, Pangkalpinang

Dengan hormat,

Saya, Hendrik Gunawan, beralamat di Jl. Anggrek Hitam No. 8, Kelurahan Bukit Merapin, Kecamatan Gerunggang, Kota Pangkalpinang, dengan ini mengadukan pelayanan di Kantor Bersama Samsat Pangkalpinang dengan kronologi sebagai berikut:

1. Pada bulan September 2026 saya membeli sepeda motor bekas dari seorang warga Kelurahan Air Itam, Pangkalpinang, lengkap dengan BPKB dan STNK asli serta kuitansi jual beli bermeterai.

2. Pada tanggal 8 Oktober 2026 saya datang ke Samsat Pangkalpinang untuk mengurus balik nama. Saya membawa semua persyaratan yang tercantum pada papan informasi dan laman resmi: BPKB asli, STNK asli, KTP asli, kuitansi bermeterai, dan hasil cek fisik. Petugas loket menolak berkas saya dan meminta surat keterangan domisili dari kelurahan, padahal KTP saya beralamat di Pangkalpinang.

3. Pada tanggal 13 Oktober 2026 saya kembali dengan surat keterangan domisili. Kali ini petugas meminta tambahan "surat rekomendasi dari Satlantas" yang juga tidak tercantum di daftar persyaratan.

4. Pada tanggal 20 Oktober 2026 saya datang ketiga kalinya dan menanyakan dasar aturan kedua persyaratan tambahan tersebut. Petugas hanya menjawab bahwa itu "aturan internal" dan tidak dapat menunjukkan dokumennya. Berkas saya kembali dikembalikan.

Sampai hari ini kendaraan saya belum dapat dibalik nama, sementara masa berlaku STNK akan habis bulan Desember.

Saya mohon Ombudsman dapat meminta penjelasan kepada pihak Samsat mengenai dasar persyaratan tambahan tersebut dan memastikan berkas saya diproses sesuai standar pelayanan yang diumumkan.

Demikian pengaduan ini saya sampaikan. Atas perhatian Bapak/Ibu saya ucapkan terima kasih.

Hormat saya,


Hendrik Gunawan
"""

PBG_BODY = """\
Selamat pagi Bapak/Ibu,

Saya Fransiska Lim, pemilik usaha kecil di Tanjung Pandan. Bersama e-mail ini saya lampirkan surat pengaduan mengenai pengurusan PBG (dulu IMB) ruko kami di DPMPTSP Kabupaten Belitung yang sudah lima bulan tidak ada kejelasan. Setiap kali ditanya, petugas memberikan jawaban yang berbeda-beda dan tidak bisa menjelaskan kenapa status permohonan kami tidak bergerak.

Mohon bantuan dan arahannya.

Terima kasih,

Fransiska Lim
Toko Bangunan Sinar Pandan
0819-3057-2281
"""

PBG_LETTER = """\
Tanjung Pandan, 4 November 2026

Perihal : Pengaduan pelayanan Persetujuan Bangunan Gedung (PBG)
Lampiran : Salinan bukti pendaftaran SIMBG

Kepada Yth.
Kepala Ombudsman RI Perwakilan Kepulauan Bangka Belitung
di Pangkalpinang

Dengan hormat,

Yang bertanda tangan di bawah ini, Fransiska Lim, beralamat di Jl. Batu Bara No. 21, Kelurahan Paal Satu, Kecamatan Tanjung Pandan, Kabupaten Belitung, menyampaikan pengaduan atas pelayanan Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu (DPMPTSP) Kabupaten Belitung sebagai berikut.

Pada tanggal 11 Juni 2026 kami mengajukan permohonan PBG untuk bangunan ruko dua lantai di Kelurahan Paal Satu melalui aplikasi SIMBG, dengan dokumen gambar yang disiapkan oleh konsultan perencana bersertifikat. Pada saat itu petugas di Mal Pelayanan Publik Tanjung Pandan menyampaikan bahwa proses PBG memakan waktu paling lama 28 hari kerja setelah dokumen lengkap.

Sejak bulan Juli 2026 status permohonan kami di SIMBG tertulis "verifikasi dokumen" dan tidak berubah sampai sekarang. Kami sudah datang ke loket DPMPTSP sebanyak lima kali. Setiap petugas memberikan keterangan yang berbeda: ada yang mengatakan berkas sedang menunggu jadwal tim ahli, ada yang meminta kami mengunggah ulang seluruh gambar, ada pula yang mengatakan berkas kami "tidak ditemukan di sistem". Ketika kami meminta penjelasan tertulis mengenai kekurangan dokumen, petugas tidak dapat menjelaskan dan menyarankan kami "tanya konsultan saja".

Akibat keterlambatan ini pembangunan ruko kami tertunda, sementara kami sudah membayar kontraktor dan bahan bangunan.

Kami mohon Ombudsman berkenan meminta kejelasan kepada DPMPTSP Kabupaten Belitung mengenai status permohonan PBG kami dan mendorong penyelesaiannya sesuai standar pelayanan.

Demikian surat ini kami sampaikan. Atas perhatian Bapak/Ibu kami ucapkan terima kasih.

Hormat saya,


Fransiska Lim
"""

AUTO_REPLY = """\
Terima kasih atas email Anda.

Saya sedang cuti hingga tanggal 23 November 2026 dengan akses email yang terbatas. Email Anda akan saya balas setelah saya kembali bekerja. Untuk keperluan mendesak silakan hubungi rekan saya, Sdri. Melati, di 0812-5550-3120.

Out of office: I am on leave until 23 November 2026 with limited access to e-mail.

Salam,
Taufan Effendi
CV Bangun Jaya Mandiri
"""

SKCK_BATENG = """\
Assalamualaikum pak/bu

Kamek nak ngadu. Kemaren tgl 5 Nov kamek buat SKCK di Polres Bateng utk ngelamar kerje. Berkas lengkap sdh, bayar PNBP Rp 30.000 ade kwitansinye. Tapi petugas di loket bilang kalau nak jadi hari itu jg harus tambah "uang administrasi" Rp 100.000, kalau dak bayar balik minggu depan. Dak ade kwitansi utk yg 100 ribu tu. Kawan2 kamek yg lain jg same dimintak.

Ape memang ade aturan bayar tambahan cem tu? Kamek ni lagi nganggur pak, duit pas2an.

Bujang
Pangkalan Baru
"""

AKTA_VAGUE = """\
Pagi bu/pak, mau tanya sekaligus mengadu.

Akta kelahiran anak saya sdh diurus di kantor capil dari bulan Juli, sampai sekarang blm selesai juga. Tiap ditanya jawabnya "masih proses tanda tangan kepala dinas". Katanya dulu cuma seminggu. Ini gimana ya? Anak sy mau didaftarkan PAUD, butuh akta.

Makasih
Dewi
"""

SMP_SIMPANG_RIMBA = """\
Selamat malam Bapak/Ibu,

Sy orang tua murid kelas 8 di salah satu SMP Negeri di Kecamatan Simpang Rimba, Bangka Selatan. Awal semester ini sekolah mewajibkan setiap siswa membayar "sumbangan renovasi kantin dan lapangan voli" sebesar Rp 850.000, katanya hasil rapat komite. Tapi sy tdk pernah diundang rapat, kami cuma dikasih surat edaran yg sudah menyebut jumlah dan batas waktu bayar.

Anak sy blm bisa bayar krn sy baru panen lada bulan depan. Minggu lalu waktu pembagian rapor tengah semester, rapor anak sy tdk diberikan, wali kelas bilang "lunasi dulu sumbangannya". Ada sekitar 11 anak lain yg sama.

Sy sdh coba tanya ke Dinas Pendidikan di Toboali, katanya akan dicek tapi sampai sekarang tdk ada kabar. Setahu sy sekolah negeri tdk boleh memungut yg sifatnya wajib.

Mohon bantuannya. Nama sekolah dan wali kelas bisa sy sampaikan kalau dihubungi.

Wahyu P.
Desa Gudang
"""

KUA_SIJUK = """\
Assalamualaikum,

Mohon maaf mengganggu. Saya mau menyampaikan keluhan soal KUA Kecamatan Sijuk. Saya dan calon istri mau mendaftarkan pernikahan untuk bulan Desember. Sudah tiga kali kami datang ke kantor KUA: Senin 26 Oktober jam 10.15, Rabu 28 Oktober jam 13.30, dan Senin 2 November jam 09.00. Ketiganya pintu kantor terkunci dan tidak ada satu pun pegawai, padahal di papan depan tertulis jam layanan Senin-Jumat 07.30-16.00.

Nomor telepon kantor yang tertera di papan tidak pernah diangkat. Pemilik warung di sebelah bilang kantornya memang jarang buka, "paling hari Kamis, itu pun sebentar".

Berkas kami (formulir dari desa, fotokopi KTP, KK, akta kelahiran) sudah lengkap, dan pendaftaran nikah harus paling lambat 10 hari kerja sebelum akad. Kalau begini terus kami takut tidak sempat.

Mohon Ombudsman dapat membantu.

Wassalam,
Rahmat Hidayat
Desa Air Seru
"""

PDAM_GIRIMAYA = """\
Selamat siang Ombudsman,

Sudah 3 minggu air PDAM di rumah kami di Kelurahan Bukit Besar, Girimaya, Pangkalpinang tidak mengalir sama sekali. Sudah lapor 3 kali ke kantor Tirta Pinang, tgl 19 Okt, 26 Okt dan 2 Nov, nomor pengaduan dikasih tapi petugas cuma bilang {LQ}besok teknisi datang{RQ}. Sampai skrg tdk ada yg datang. Tagihan bulan ini tetap keluar Rp 87.500.

Terlampir foto meteran.

Salam
Jefri
"""

BPJS_MUNTOK = """\
Selamat siang,

Saya Nurhayati, warga Kelurahan Tanjung, Mentok, Bangka Barat. Pada tanggal 4 November 2026 saya mengantar adik saya, Rudi (29 tahun, pengguna kursi roda sejak kecelakaan kerja), ke kantor BPJS Kesehatan di Muntok untuk memperbaiki data kepesertaan JKN-nya yang salah dan memindahkan faskesnya.

Begitu kami tiba, satpam bilang adik saya "tidak usah masuk, nanti repot". Petugas loket kemudian menolak melayani adik saya langsung: katanya loket ada di lantai dua dan tidak bisa turun, jadi adik saya harus pulang dan menyuruh keluarga mengurus dengan surat kuasa bermeterai. Padahal adik saya datang sendiri justru supaya bisa mengurus langsung. Tidak ada loket di lantai bawah dan tidak ada ramp.

Warga lain yang antre di belakang kami dilayani seperti biasa. Kami pulang tanpa hasil.

Adik saya sangat sedih dan merasa dipermalukan. Bukankah kantor pelayanan publik wajib bisa melayani penyandang disabilitas?

Terima kasih,
Nurhayati
0819-2788-4410
"""

LETTER_PUSKESMAS = """\
Lubuk Besar, 4 November 2026

Perihal : Pengaduan pelayanan Puskesmas Lubuk Besar

Kepada Yth.
Kepala Ombudsman RI Perwakilan
Kepulauan Bangka Belitung
di Pangkalpinang

Dengan hormat,

Saya yang bertanda tangan di bawah ini, Sarifah Aini, warga Desa Lubuk Lingkuk, Kecamatan Lubuk Besar, Kabupaten Bangka Tengah, ingin menyampaikan pengaduan mengenai pelayanan Puskesmas Lubuk Besar.

Pada hari Selasa, 27 Oktober 2026 pukul 10.30 WIB saya membawa anak saya yang demam tinggi ke Puskesmas Lubuk Besar. Loket pendaftaran sudah tutup dan petugas mengatakan poli umum hanya melayani sampai pukul 10.00 karena dokter ada rapat di Koba. Padahal jadwal yang ditempel di dinding menyebut pelayanan buka pukul 08.00 sampai 14.00 WIB. Kejadian yang sama saya alami lagi pada hari Kamis, 29 Oktober 2026. Anak saya terpaksa saya bawa ke bidan praktik swasta dengan biaya sendiri.

Saya mohon Ombudsman dapat meminta Dinas Kesehatan Kabupaten Bangka Tengah memastikan Puskesmas Lubuk Besar memberikan pelayanan sesuai jam yang diumumkan.

Demikian pengaduan ini saya sampaikan. Atas perhatian Bapak/Ibu saya ucapkan terima kasih.

Hormat saya,


Sarifah Aini
"""


SAMPLES: list[Sample] = [
    Sample(
        file="01-ktp-belum-jadi-koba.eml",
        summary="e-KTP promised in 14 days, not issued after ~5 months, Dukcapil Bangka Tengah (Koba)",
        sender='"Sulastri Wahyuni" <sulastri.wahyuni84@surel.example>',
        subject="KTP elektronik belum jadi sudah hampir 5 bulan",
        date=when(2, 7, 52, 14),
        text=KTP_KOBA,
        html=True,
        labels=labels("complaint", "disdukcapil-1904", "disdukcapil", "1904", ("penundaan_berlarut",)),
        relay="192.0.2.21",
    ),
    Sample(
        file="02-sertifikat-tanah-sungailiat.eml",
        summary="cover note only; PDF letter: certificate delayed 8+ months, BPN officer asks Rp 1,5 jt 'uang rokok', Sungailiat",
        sender='"Rusdi Hamzah" <rusdi.hamzah@posmail.example>',
        subject="Pengaduan - surat terlampir",
        date=when(2, 10, 5, 41),
        text=BPN_COVER,
        pdf=Pdf(
            filename="Surat Pengaduan Rusdi Hamzah.pdf",
            title="Surat Pengaduan",
            author="Rusdi Hamzah",
            text=BPN_LETTER,
        ),
        headers={"X-Mailer": "iPhone Mail (22B83)"},
        labels=labels(
            "complaint",
            "bpn-1901",
            "bpn",
            "1901",
            ("permintaan_imbalan", "penundaan_berlarut"),
            has_pdf=True,
        ),
        relay="198.51.100.7",
    ),
    Sample(
        file="03-promo-pinjaman-kilat.eml",
        summary="pinjol / investment promo",
        sender='"DanaKilat Official" <promo@danakilat-cair.example>',
        subject="\U0001F4B0 Pinjaman Rp 50 JUTA cair 5 menit tanpa jaminan!!! Limit Anda sudah aktif",
        date=when(2, 13, 40, 3),
        text=SPAM_PINJOL,
        html=True,
        headers={
            "List-Unsubscribe": "<https://danakilat-cair.example/unsub>",
            "Precedence": "bulk",
            "X-Mailer": "MassMailer Pro 7.2",
        },
        labels=labels("spam"),
        relay="203.0.113.99",
    ),
    Sample(
        file="04-pasang-baru-listrik-kelapa-kampit.eml",
        summary="PLN pasang baru paid end of July, meter still not installed after 3+ months, Kelapa Kampit, Beltim",
        sender='"Andi Kurniawan" <andikur87@mailku.example>',
        subject="pasang baru listrik blm dipasang2 sdh 3 bln",
        date=when(2, 21, 18, 37),
        text=PLN_KELAPA_KAMPIT,
        labels=labels("complaint", "pln-belitung", "pln", "1906", ("penundaan_berlarut",)),
        relay="198.51.100.23",
    ),
    Sample(
        file="05-igd-rsud-toboali.eml",
        summary="nurse at IGD RSUD Toboali shouts at a patient's family",
        sender='"Yuliana Fitri" <yuli.fitri@webmail.example>',
        subject="PERLAKUAN PETUGAS IGD RSUD TOBOALI SANGAT TIDAK PANTAS",
        date=when(3, 6, 31, 9),
        text=RSUD_TOBOALI,
        html=True,
        labels=labels("complaint", "rsud-1903", "rsud", "1903", ("tidak_patut",)),
        relay="192.0.2.44",
    ),
    Sample(
        file="06-tanya-cara-melapor.eml",
        summary="asks how to file a report, documents needed, office hours",
        sender='"Agustina P." <agustina.p@webmail.example>',
        subject="Tanya cara membuat laporan",
        date=when(3, 15, 47, 52),
        text=INQUIRY,
        labels=labels("inquiry"),
        relay="192.0.2.44",
    ),
    Sample(
        file="07-bansos-desa-saing-rahasia.eml",
        summary="asks confidentiality (name, NIK, phone, address given); bansos list filled with village head's relatives, Dinsos Bangka endorsed it, Puding Besar",
        sender='"Marlina" <marlina.sari77@posmail.example>',
        subject="Pengaduan penyaluran bansos di Desa Saing (MOHON DIRAHASIAKAN)",
        date=when(4, 9, 20, 26),
        text=BANSOS_SAING,
        wrap=True,
        headers={"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.4.2"},
        labels=labels(
            "complaint",
            "dinsos-1901",
            "dinsos",
            "1901",
            ("berpihak", "konflik_kepentingan"),
            confidential=True,
        ),
        relay="198.51.100.7",
    ),
    Sample(
        file="08-balik-nama-samsat-pangkalpinang.eml",
        summary="Samsat Pangkalpinang adds requirements not in the service standard (domisili, Satlantas letter); PDF chronology",
        sender='"Hendrik Gunawan" <hendrik.gunawan@kantorku.example>',
        subject="Pengaduan pelayanan balik nama kendaraan di Samsat Pangkalpinang",
        date=when(4, 14, 2, 18),
        text=SAMSAT_BODY,
        wrap=True,
        pdf=Pdf(
            filename="pengaduan_samsat_hendrik_gunawan.pdf",
            title="Pengaduan pelayanan balik nama kendaraan",
            author="Hendrik Gunawan",
            text=SAMSAT_LETTER,
        ),
        labels=labels(
            "complaint", "samsat-19", "samsat", "1971", ("penyimpangan_prosedur",), has_pdf=True
        ),
        relay="203.0.113.12",
    ),
    Sample(
        file="09-pbg-ruko-tanjung-pandan.eml",
        summary="PBG ('dulu IMB') for a ruko stuck 5 months at DPMPTSP Belitung, staff give contradictory answers; PDF letter",
        sender='"Fransiska Lim" <fransiska.lim@bisnismail.example>',
        subject="Pengaduan pengurusan PBG (dulu IMB) di DPMPTSP Belitung",
        date=when(5, 10, 37, 5),
        text=PBG_BODY,
        html=True,
        pdf=Pdf(
            filename="Surat_Pengaduan_PBG_Fransiska_Lim.pdf",
            title="Pengaduan pelayanan PBG",
            author="Fransiska Lim",
            text=PBG_LETTER,
        ),
        labels=labels(
            "complaint",
            "dpmptsp-1902",
            "dpmptsp",
            "1902",
            ("penundaan_berlarut", "tidak_kompeten"),
            has_pdf=True,
        ),
        relay="192.0.2.58",
    ),
    Sample(
        file="10-balasan-otomatis-cuti.eml",
        summary="out-of-office auto-reply (Auto-Submitted: auto-replied)",
        sender='"Taufan Effendi" <taufan.effendi@cvbangunjaya.example>',
        subject="Balasan Otomatis: Re: Permintaan kelengkapan data laporan",
        date=when(5, 16, 5, 30),
        text=AUTO_REPLY,
        headers={
            "In-Reply-To": "<20261105085911.7741.narahubung@ombudsman.example>",
            "References": "<20261105085911.7741.narahubung@ombudsman.example>",
            "Auto-Submitted": "auto-replied",
            "X-Autoreply": "yes",
            "X-Auto-Response-Suppress": "All",
        },
        labels=labels("auto_reply"),
        relay="203.0.113.40",
    ),
    Sample(
        file="11-skck-polres-bateng.eml",
        summary="SKCK at Polres Bateng: extra Rp 100.000 without receipt (Bangka Malay)",
        sender='"bujang hasan" <bujang.hasan88@surel.example>',
        subject="skck di polres bateng dimintak duit",
        date=when(6, 20, 44, 11),
        text=SKCK_BATENG,
        labels=labels("complaint", "polres-1904", "polres", "1904", ("permintaan_imbalan",)),
        relay="192.0.2.21",
    ),
    Sample(
        file="12-akta-kelahiran-capil.eml",
        summary="birth certificate at 'kantor capil' delayed since July; no place given -> abstain (region-level unit unknown)",
        sender='"Dewi A." <dewi.anggra@mailku.example>',
        subject="akta kelahiran anak blm selesai",
        date=when(7, 8, 12, 40),
        text=AKTA_VAGUE,
        labels=labels("complaint", None, "disdukcapil", None, ("penundaan_berlarut",)),
        relay="198.51.100.23",
    ),
    Sample(
        file="13-pungutan-smp-simpang-rimba.eml",
        summary="public SMP in Simpang Rimba (Basel) imposes mandatory Rp 850.000 'sumbangan', withholds report cards",
        sender='"Wahyu Pratama" <wahyu.pratama.sr@surel.example>',
        subject="pungutan wajib di SMP negeri, rapor anak ditahan",
        date=when(8, 19, 55, 2),
        text=SMP_SIMPANG_RIMBA,
        html=True,
        labels=labels("complaint", "disdik-1903", "disdik", "1903", ("permintaan_imbalan",)),
        relay="192.0.2.21",
    ),
    Sample(
        file="14-kua-sijuk-tutup.eml",
        summary="KUA Kecamatan Sijuk locked during service hours three times (place given only by kecamatan)",
        sender='"Rahmat Hidayat" <rahmat.hidayat.sjk@webmail.example>',
        subject="KUA Sijuk sering tutup di jam kerja",
        date=when(9, 11, 26, 47),
        text=KUA_SIJUK,
        wrap=True,
        headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Thunderbird/128.4.2"},
        labels=labels("complaint", "kemenag-1902", "kemenag", "1902", ("tidak_memberikan_pelayanan",)),
        relay="192.0.2.44",
    ),
    Sample(
        file="15-air-pdam-girimaya-rusak.eml",
        summary="MALFORMED: bogus charset, invalid encoded words, garbage base64, no closing boundary; PDAM Tirta Pinang water off 3 weeks",
        sender='"Jefri" <jefri.pkp@mailku.example>',
        subject="(set by make_malformed)",
        date=when(9, 13, 3, 29),
        text=PDAM_GIRIMAYA,
        labels=labels(
            "complaint", "pdam-1971", "pdam", "1971", ("penundaan_berlarut",), malformed=True
        ),
        relay="198.51.100.23",
    ),
    Sample(
        file="16-bpjs-kursi-roda-muntok.eml",
        summary="wheelchair user refused direct service at BPJS Kesehatan office in Muntok (Bangka Barat)",
        sender='"Nurhayati" <nurhayati.mtk@surel.example>',
        subject="Adik saya pengguna kursi roda ditolak dilayani di kantor BPJS Muntok",
        date=when(10, 9, 48, 20),
        text=BPJS_MUNTOK,
        html=True,
        labels=labels(
            "complaint", "bpjs_kesehatan-pkp", "bpjs_kesehatan", "1905", ("diskriminasi",)
        ),
        relay="192.0.2.21",
    ),
]

LETTER_SAMPLES = [
    {
        "file": "01-surat-puskesmas-lubuk-besar.png",
        "summary": "scanned letter: Puskesmas Lubuk Besar (Bangka Tengah) stops service at 10.00 although posted hours are 08-14",
        "text": LETTER_PUSKESMAS,
        "labels": labels("complaint", "dinkes-1904", "dinkes", "1904", ("tidak_memberikan_pelayanan",)),
    },
]


# ---------------------------------------------------------------------------------------------
# Building blocks
# ---------------------------------------------------------------------------------------------


def wrap72(text: str) -> str:
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) > 76:
            out.extend(textwrap.wrap(line, 72, break_long_words=False, break_on_hyphens=False))
        else:
            out.append(line)
    return "\n".join(out)


def to_html(text: str) -> str:
    paras = list(text.strip("\n").split("\n\n"))
    body = "".join(
        "<div>" + "<br>".join(html.escape(line, quote=False) for line in p.split("\n")) + "</div><div><br></div>"
        for p in paras
    )
    return f'<div dir="ltr">{body}</div>\n'


def fixed_msgid(sample: Sample) -> str:
    domain = sample.sender.rsplit("@", 1)[1].rstrip(">")
    digest = hashlib.sha256(sample.file.encode()).hexdigest()[:16].upper()
    return f"<{sample.date.strftime('%Y%m%d%H%M%S')}.{digest}@{domain}>"


def received_header(sample: Sample) -> str:
    domain = sample.sender.rsplit("@", 1)[1].rstrip(">")
    arrived = sample.date + timedelta(seconds=3)
    queue_id = hashlib.sha256(("q" + sample.file).encode()).hexdigest()[:10].upper()
    return (
        f"from mail.{domain} (mail.{domain} [{sample.relay}]) by mx1.ombudsman.example "
        f"(Postfix) with ESMTPS id {queue_id} for <{INTAKE}>; {format_datetime(arrived)}"
    )


def fix_boundaries(msg: EmailMessage, file: str) -> None:
    """Fixed MIME boundaries (the generator would pick random ones); drop the MIME-Version
    header that add_alternative/add_attachment copy into subparts."""
    tag = hashlib.sha256(file.encode()).hexdigest()[:20]
    for part in msg.walk():
        if part is not msg:
            del part["MIME-Version"]
    for i, part in enumerate(p for p in msg.walk() if p.is_multipart()):
        part.set_boundary(f"===============nh{i}{tag}==")


def set_text(msg: EmailMessage, text: str) -> None:
    ascii_ok = text.isascii()
    long_lines = any(len(line) > 78 for line in text.split("\n"))
    if ascii_ok and not long_lines:
        msg.set_content(text, charset="utf-8", cte="7bit")
    else:
        msg.set_content(text, charset="utf-8", cte="quoted-printable")


def letter_pdf(pdf: Pdf) -> bytes:
    from reportlab.lib.enums import TA_JUSTIFY
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    body = ParagraphStyle("body", fontName="Times-Roman", fontSize=11.5, leading=15, alignment=TA_JUSTIFY)
    plain = ParagraphStyle("plain", parent=body, alignment=0)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=2.5 * cm,
        rightMargin=2.5 * cm,
        topMargin=2.2 * cm,
        bottomMargin=2.2 * cm,
        title=pdf.title,
        author=pdf.author,
        subject="Pengaduan kepada " + OFFICE_NAME,
        creator="make_inbox.py (sample data)",
        invariant=1,
    )
    story = []
    for block in pdf.text.strip("\n").split("\n\n"):
        if not block.strip():
            story.append(Spacer(1, 22))
            continue
        lines = [html.escape(line, quote=False) for line in block.split("\n")]
        multi = len(lines) > 1
        style = plain if multi else body
        story.append(Paragraph("<br/>".join(lines), style))
        story.append(Spacer(1, 8))
    doc.build(story)
    return buf.getvalue()


def build_message(sample: Sample) -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    msg["Received"] = received_header(sample)
    msg["From"] = sample.sender
    msg["To"] = f'"Pengaduan Ombudsman Babel" <{INTAKE}>'
    msg["Subject"] = sample.subject
    msg["Date"] = format_datetime(sample.date)
    msg["Message-ID"] = fixed_msgid(sample)
    for name, value in sample.headers.items():
        msg[name] = value
    text = wrap72(sample.text) if sample.wrap else sample.text
    set_text(msg, text)
    if sample.html:
        msg.add_alternative(to_html(sample.text), subtype="html", charset="utf-8", cte="quoted-printable")
    if sample.pdf is not None:
        msg.add_attachment(
            letter_pdf(sample.pdf), maintype="application", subtype="pdf", filename=sample.pdf.filename
        )
    fix_boundaries(msg, sample.file)
    return msg.as_bytes()


def build_malformed(sample: Sample) -> bytes:
    """A complaint whose structure is broken in the ways real broken mail is broken.

    - Subject: an encoded word in an unknown charset, one with bad base64 padding and one with a
      truncated UTF-8 sequence;
    - the text part declares a charset that does not exist and carries raw cp1252 quote bytes;
    - the "photo" part is base64 with invalid characters, cut off mid-line, and the multipart
      never gets its closing boundary.
    """
    msg = EmailMessage(policy=policy.SMTP)
    msg["Received"] = received_header(sample)
    msg["From"] = sample.sender
    msg["To"] = INTAKE
    msg["Subject"] = "SUBJECT-PLACEHOLDER"
    msg["Date"] = format_datetime(sample.date)
    msg["Message-ID"] = fixed_msgid(sample)
    msg["X-Mailer"] = "Mail Ringan 2.0.1 (Android)"
    text = sample.text.replace("{LQ}", "LQ-PLACEHOLDER").replace("{RQ}", "RQ-PLACEHOLDER")
    msg.set_content(text, charset="utf-8", cte="8bit")
    msg.add_attachment(b"\xff\xd8\xff\xe0placeholder", maintype="image", subtype="jpeg", filename="foto_meteran.jpg")
    fix_boundaries(msg, sample.file)
    raw = msg.as_bytes()

    subject = (
        b"=?x-bogus-8?Q?Air_PDAM_tdk_ngalir_3_minggu?= "
        b"=?utf-8?B?IC0gbW9ob24gZGliYW50dQ?= =?utf-8?Q?Girimaya=E2=80?="
    )
    raw = raw.replace(b"SUBJECT-PLACEHOLDER", subject, 1)
    raw = raw.replace(b'text/plain; charset="utf-8"', b'text/plain; charset="x-bogus-8"', 1)
    raw = raw.replace(b"LQ-PLACEHOLDER", b"\x93", 1).replace(b"RQ-PLACEHOLDER", b"\x94", 1)

    # Cut the attachment after its headers and append garbage base64, no closing boundary.
    head_end = raw.index(b'filename="foto_meteran.jpg"')
    head_end = raw.index(b"\r\n\r\n", head_end) + 4
    seed = hashlib.sha256(b"foto_meteran.jpg").digest()
    junk = b""
    while len(junk) < 700:
        seed = hashlib.sha256(seed).digest()
        junk += seed
    import base64

    b64 = base64.b64encode(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + junk).decode()
    lines = [b64[i : i + 76] for i in range(0, len(b64), 76)]
    lines[3] = lines[3][:30] + "*!%$#" + lines[3][35:]
    lines[6] = "@@@@ ~~~ " + lines[6][9:]
    lines[9] = lines[9][:41]  # truncated mid-line: length not a multiple of 4
    garbage = "\r\n".join(lines[:10]).encode("ascii") + b"\r\n"
    return raw[:head_end] + garbage


def render_letter_png(text: str) -> bytes:
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    dpi = 200
    width, height = 1654, 2339  # A4 at 200 dpi
    font_path = FONT_DIR / "DejaVuSans.ttf"
    size = 27
    if font_path.exists():
        font = ImageFont.truetype(str(font_path), size)
    else:  # pragma: no cover - depends on the machine
        font = ImageFont.load_default(size=size)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    margin = int(2.5 / 2.54 * dpi)
    max_w = width - 2 * margin
    line_h = int(size * 1.55)
    y = int(2.2 / 2.54 * dpi)
    for raw_line in text.rstrip("\n").split("\n"):
        if not raw_line:
            y += line_h
            continue
        words = raw_line.split(" ")
        current = ""
        for word in words:
            trial = (current + " " + word).strip()
            if draw.textlength(trial, font=font) <= max_w:
                current = trial
            else:
                draw.text((margin, y), current, fill=20, font=font)
                y += line_h
                current = word
        draw.text((margin, y), current, fill=20, font=font)
        y += line_h
    # a hand signature squiggle above the name
    sig_y = y - line_h * 2 - 10
    pts = [(margin + 10 + i * 6, sig_y + int(14 * ((i % 7) - 3) / 3)) for i in range(40)]
    draw.line(pts, fill=60, width=3)

    page = page.rotate(0.6, resample=Image.BICUBIC, expand=False, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(0.6))

    # light, seeded speckle noise and a faint grey scanner edge
    rng = random.Random(20261104)
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    speckles = noise.point(lambda v: 0 if v < 2 else 255)
    page = Image.composite(Image.new("L", page.size, 150), page, speckles.point(lambda v: 255 - v))
    grey = noise.point(lambda v: 255 if v > 250 else 0)
    page = Image.composite(Image.new("L", page.size, 225), page, grey)
    draw = ImageDraw.Draw(page)
    draw.rectangle([0, 0, width - 1, 6], fill=190)
    draw.rectangle([width - 5, 0, width - 1, height - 1], fill=205)

    buf = io.BytesIO()
    page.save(buf, format="PNG", dpi=(dpi, dpi), optimize=False, compress_level=9)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Labels file + checks
# ---------------------------------------------------------------------------------------------


def expected_yaml(title: str, rows: list[tuple[str, str, dict]]) -> str:
    out = [
        f"# Expected labels for {title} (written by samples/make_inbox.py; edit there, not here).",
        "# Fields follow the labelling rules in the corpus README: unit = the directory unit that",
        "# covers the region for that agency type; unit/region null when the text does not tell.",
        "",
    ]
    for file, summary, lab in rows:
        out.append(f"# {summary}")
        entry = {"file": file, **lab}
        out.append(yaml.safe_dump([entry], sort_keys=False, allow_unicode=True, width=1000).rstrip("\n"))
        out.append("")
    return "\n".join(out)


def check_labels(rows: list[tuple[str, str, dict]]) -> None:
    directory = yaml.safe_load(DIRECTORY.read_text(encoding="utf-8"))
    units = {u["id"]: u for u in directory["units"]}
    types = {t["id"] for t in directory["agency_types"]}
    regions = {r["code"] for r in directory["regions"]}
    malad = {m["id"] for m in directory["maladministration_types"]}
    for file, _summary, lab in rows:
        where = f"{file}: "
        assert set(lab["maladministration"]) <= malad, where + "unknown maladministration id"
        if lab["agency_type"] is not None:
            assert lab["agency_type"] in types, where + "unknown agency type"
        if lab["region"] is not None:
            assert lab["region"] in regions, where + "unknown region"
        if lab["kind"] == "complaint":
            assert lab["agency_type"] and lab["maladministration"], where + "complaint needs type + malad"
            if lab["region"] is None:
                assert lab["unit"] is None, where + "no region but a unit"
        if lab["unit"] is not None:
            unit = units.get(lab["unit"])
            assert unit is not None, where + f"unit {lab['unit']} not in directory"
            assert unit["type"] == lab["agency_type"], where + "unit type != agency_type"
            assert lab["region"] in unit["covers"], where + "unit does not cover region"
            assert unit.get("focal_points"), where + "unit has no focal point"
            others = [u["id"] for u in units.values() if u["type"] == unit["type"] and lab["region"] in u["covers"]]
            assert others == [unit["id"]], where + f"ambiguous coverage {others}"
        if lab["kind"] not in ("complaint", "follow_up", "other_province"):
            assert lab["unit"] is None and not lab["maladministration"], where + "non-complaint with labels"


def check_inbox() -> None:
    from email import message_from_bytes

    for sample in SAMPLES:
        data = (INBOX / sample.file).read_bytes()
        assert b"\n" not in data.replace(b"\r\n", b""), f"{sample.file}: bare LF"
        msg = message_from_bytes(data, policy=policy.default)
        defects = list(msg.defects)
        for part in msg.walk():
            defects.extend(part.defects)
        if sample.labels["malformed"]:
            assert defects, f"{sample.file}: expected parser defects"
            continue
        assert not defects, f"{sample.file}: defects {defects}"
        assert msg["Message-ID"] and msg["Date"].datetime.year == 2026
        body = msg.get_body(preferencelist=("plain",))
        assert body is not None and body.get_content().strip(), f"{sample.file}: empty body"
        pdfs = [p for p in msg.iter_attachments() if p.get_content_type() == "application/pdf"]
        assert bool(pdfs) == sample.labels["has_pdf"], f"{sample.file}: has_pdf mismatch"
        for p in pdfs:
            assert p.get_content().startswith(b"%PDF-")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="verify the written files parse and labels fit the directory")
    args = ap.parse_args(argv)

    names = [s.file for s in SAMPLES]
    assert len(set(names)) == len(names)
    assert len({fixed_msgid(s) for s in SAMPLES}) == len(SAMPLES)

    INBOX.mkdir(parents=True, exist_ok=True)
    LETTERS.mkdir(parents=True, exist_ok=True)
    for sample in SAMPLES:
        data = build_malformed(sample) if sample.labels["malformed"] else build_message(sample)
        (INBOX / sample.file).write_bytes(data)
    inbox_rows = [(s.file, s.summary, s.labels) for s in SAMPLES]
    check_labels(inbox_rows)
    (INBOX / "expected.yaml").write_text(expected_yaml("samples/inbox", inbox_rows), encoding="utf-8")

    letter_rows = []
    for letter in LETTER_SAMPLES:
        (LETTERS / letter["file"]).write_bytes(render_letter_png(letter["text"]))
        letter_rows.append((letter["file"], letter["summary"], letter["labels"]))
    check_labels(letter_rows)
    (LETTERS / "expected.yaml").write_text(expected_yaml("samples/letters", letter_rows), encoding="utf-8")

    if args.check:
        check_inbox()
    print(f"wrote {len(SAMPLES)} messages to {INBOX} and {len(LETTER_SAMPLES)} letter(s) to {LETTERS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
