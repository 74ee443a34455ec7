"""The sender's own words out of a mail's text: pure functions, no I/O.

`own_words(text)` drops what the classifier must not read as the complainant's words: quoted replies
("> " lines, "On … wrote:", "Pada … menulis:", "-----Pesan Asli-----", Outlook "From/Sent/To/Subject"
blocks), signatures ("-- ", "Dikirim dari iPhone saya", "Salam," + name at the very end) and
disclaimers or antivirus footers. The full text stays on the document for staff.

Forwarded complaint rule: when the history starts with a *forward* (Gmail "Forwarded message" /
"Pesan terusan", Apple "Begin forwarded message", or a header block whose Subject starts with
Fwd:/FW:/TR:/Terusan:, or a mail whose own subject does) and the writer's part above it is a short
cover note (at most COVER_NOTE_MAX_WORDS words), the forwarded mail IS the complaint: its own words
(header block removed, cleaned the same way, recursively) follow the cover note. A reply's quoted
history is never kept, however short the reply.

Why not mail-parser-reply or email-reply-parser: neither knows Indonesian, the first can only learn
a language by editing its module-global table, and its signature rule cuts everything after any
line starting with "- " (a complaint's list of details).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

COVER_NOTE_MAX_WORDS = 60  # a forward's cover note longer than this is itself the complaint
CLOSING_MAX_TAIL_LINES = 4  # "Salam,"/"Hormat saya," + at most this many short lines (name, phone …)
CLOSING_MAX_LINE_CHARS = 60
_MAX_NESTED_FORWARDS = 5
_HEADER_BLOCK_MAX_LINES = 12

# Lines that open a forwarded mail, in the clients citizens use (Gmail, Outlook, Apple, Yahoo; id + en).
_FORWARD_MARKER = re.compile(
    r"^\s*[-_=]*\s*(?:"
    r"forwarded message|pesan terusan|pesan yang diteruskan|pesan diteruskan|forwarded e-?mail"
    r"|begin forwarded message:?|awal pesan yang diteruskan:?|awal pesan terusan:?"
    r")\s*[-_=]*\s*$",
    re.IGNORECASE,
)
_ORIGINAL_MARKER = re.compile(
    r"^\s*-{2,}\s*(?:original message|pesan asli|pesan semula|pesan awal)\s*-{2,}\s*$", re.IGNORECASE
)
_UNDERSCORE_RULE = re.compile(r"^\s*_{10,}\s*$")
# "On Mon, 4 Mar 2024 at 10:00, Budi <b@x.id> wrote:" / "Pada tanggal Sen, 4 Mar 2024 pukul 10.00 Budi menulis:"
_REPLY_OPENING = re.compile(r"^\s*(?:On|Pada)\s+\S", re.IGNORECASE)
_REPLY_CLOSING = re.compile(r"(?:wrote|menulis|telah menulis)\s*:\s*$", re.IGNORECASE)
# One header line of a forwarded/quoted header block ("*Dari:* Budi", "Sent: Monday …").
_HEADER_LINE = re.compile(r"^\s*\*?\s*([A-Za-z][A-Za-z ]{0,20}?)\s*\*?\s*:\s*\*?\s*(.*)$")
_HEADER_NAMES = {
    "from": "From", "dari": "From", "pengirim": "From",
    "to": "To", "kepada": "To", "ke": "To", "penerima": "To",
    "cc": "Cc", "tembusan": "Cc",
    "date": "Date", "sent": "Date", "tanggal": "Date", "dikirim": "Date", "terkirim": "Date", "waktu": "Date",
    "subject": "Subject", "subjek": "Subject", "perihal": "Subject", "hal": "Subject", "judul": "Subject",
}
_FORWARD_SUBJECT = re.compile(r"^\s*(?:re:\s*)*(?:fwd?|fw|tr|wg|terusan|teruskan|diteruskan)\s*:", re.IGNORECASE)

_QUOTE_LINE = re.compile(r"^\s*>")
_SIGNATURE_DELIMITER = re.compile(r"^--\s?$")
_MOBILE_SIGNATURE = re.compile(
    r"^\s*(?:dikirim dari|terkirim dari|sent from|sent via|get outlook for|dapatkan outlook untuk"
    r"|diposting dari|dikirim menggunakan|dikirim melalui)\b",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^\s*(?:salam(?: hormat| sejahtera)?|hormat (?:saya|kami)|wassalam\w*|terima ?kasih(?: banyak)?"
    r"|(?:best |kind |warm )?regards|thanks|thank you|cheers|tabik)\b[\s,.!/\w]{0,40}$",
    re.IGNORECASE,
)
# A paragraph that opens a footer: everything from it to the end of the writer's part goes.
_DISCLAIMER_HEADING = re.compile(
    r"^\s*[*_\[]*\s*(?:disclaimer|penafian|sangkalan|confidentiality notice|pemberitahuan kerahasiaan"
    r"|catatan kerahasiaan)\b",
    re.IGNORECASE,
)
# A paragraph that is a disclaimer by itself (what it covers + a confidentiality word), or an
# antivirus footer: only that paragraph goes.
_DISCLAIMER_SUBJECT = re.compile(
    r"\b(?:e-?mail|surel|surat elektronik|pesan|message|informasi|information)\b.{0,40}"
    r"\b(?:ini|this|lampiran\w*|attachments?|transmission)\b",
    re.IGNORECASE | re.DOTALL,
)
_DISCLAIMER_WORD = re.compile(
    r"\b(?:rahasia|kerahasiaan|confidential|privileged|ditujukan (?:hanya|semata)|intended (?:only|solely)"
    r"|dilarang (?:menyebarkan|mengungkapkan|menggunakan)|prohibited)\b",
    re.IGNORECASE,
)
_ANTIVIRUS_FOOTER = re.compile(
    r"\b(?:scanned|checked|dipindai|diperiksa)\b.{0,60}\b(?:virus|antivirus|malware)"
    r"|\b(?:virus-free|bebas virus)\b|\bwww\.avast\.com\b|\bavg\.com\b",
    re.IGNORECASE | re.DOTALL,
)
# An Outlook header block with no marker line above it must carry Outlook's "Sent:" (or "Date:").
_SENT_LINE = re.compile(r"^\s*\*?\s*(?:sent|dikirim|terkirim|date)\s*\*?\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class Forwarded:
    """One forwarded or quoted mail found inside a text, with the header block it carried."""

    kind: str  # forward | reply
    headers: dict[str, str] = field(default_factory=dict)  # From/To/Cc/Date/Subject, keys in English
    text: str = ""  # its text, header block excluded, up to the next forwarded/quoted mail


@dataclass(frozen=True)
class _Boundary:
    start: int  # first line of the marker / header block / "wrote:" line
    body_start: int  # first line after it
    kind: str
    headers: dict[str, str]


def own_words(text: str, subject: str | None = None) -> str:
    """The writer's own words: no quoted history, signature or disclaimer (see the module docstring).

    `subject` is the mail's own subject: "Fwd: …" makes an Outlook "Original Message" block a forward.
    """
    return _own_words(_lines(text), _is_forward_subject(subject or ""), 0)


def forwarded_messages(text: str, subject: str | None = None) -> list[Forwarded]:
    """Each forwarded/quoted mail in a text, in order, with its header block parsed."""
    lines = _lines(text)
    boundaries = _boundaries(lines, _is_forward_subject(subject or ""))
    found: list[Forwarded] = []
    for index, boundary in enumerate(boundaries):
        end = boundaries[index + 1].start if index + 1 < len(boundaries) else len(lines)
        body = "\n".join(lines[boundary.body_start:end]).strip()
        found.append(Forwarded(boundary.kind, boundary.headers, body))
    return found


def _own_words(lines: list[str], forward_subject: bool, nesting: int) -> str:
    boundaries = _boundaries(lines, forward_subject)
    top = lines[: boundaries[0].start] if boundaries else lines
    own = _strip_footer([line for line in top if not _QUOTE_LINE.match(line)])
    if not boundaries or boundaries[0].kind != "forward" or nesting >= _MAX_NESTED_FORWARDS:
        return own
    if len(own.split()) > COVER_NOTE_MAX_WORDS:
        return own
    inner_forward = _is_forward_subject(boundaries[0].headers.get("Subject", ""))
    forwarded = _own_words(lines[boundaries[0].body_start:], inner_forward, nesting + 1)
    return "\n\n".join(part for part in (own, forwarded) if part)


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _is_forward_subject(subject: str) -> bool:
    return bool(_FORWARD_SUBJECT.match(subject))


# --- where the quoted history starts -------------------------------------------------------------


def _boundaries(lines: list[str], forward_subject: bool) -> list[_Boundary]:
    """Every line where a forwarded or quoted mail starts, ignoring ">" quoted lines."""
    found: list[_Boundary] = []
    index = 0
    while index < len(lines):
        boundary = _boundary_at(lines, index, forward_subject if not found else False)
        if boundary is None:
            index += 1
            continue
        found.append(boundary)
        index = max(boundary.body_start, index + 1)
    return found


def _boundary_at(lines: list[str], index: int, forward_subject: bool) -> _Boundary | None:
    line = lines[index]
    if _QUOTE_LINE.match(line):
        return None
    if _FORWARD_MARKER.match(line):
        headers, body_start = _header_block(lines, index + 1)
        return _Boundary(index, body_start, "forward", headers)
    if _ORIGINAL_MARKER.match(line):
        headers, body_start = _header_block(lines, index + 1)
        return _Boundary(index, body_start, _kind(headers, forward_subject), headers)
    if _UNDERSCORE_RULE.match(line) or _header_name(line) == "From":
        first = index + 1 if _UNDERSCORE_RULE.match(line) else index
        headers, body_start = _header_block(lines, first)
        if _is_outlook_block(headers) and any(_SENT_LINE.match(x) for x in lines[first:body_start]):
            return _Boundary(index, body_start, _kind(headers, forward_subject), headers)
        return None
    return _reply_attribution(lines, index)


def _reply_attribution(lines: list[str], index: int) -> _Boundary | None:
    """ "On … wrote:" / "Pada … menulis:", on one line or wrapped over two or three."""
    if not _REPLY_OPENING.match(lines[index]):
        return None
    for end in range(index, min(index + 3, len(lines))):
        if end > index and not lines[end].strip():
            return None
        if _REPLY_CLOSING.search(lines[end]):
            return _Boundary(index, end + 1, "reply", {})
    return None


def _kind(headers: dict[str, str], forward_subject: bool) -> str:
    return "forward" if forward_subject or _is_forward_subject(headers.get("Subject", "")) else "reply"


def _is_outlook_block(headers: dict[str, str]) -> bool:
    return "From" in headers and ("Date" in headers or "To" in headers) and len(headers) >= 3


def _header_name(line: str) -> str | None:
    match = _HEADER_LINE.match(line)
    if match is None:
        return None
    return _HEADER_NAMES.get(" ".join(match.group(1).lower().split()))


def _header_block(lines: list[str], start: int) -> tuple[dict[str, str], int]:
    """Parse "From: …" lines starting at `start` (blank lines before them allowed, folded lines
    joined). Returns the headers and the first line after the block."""
    index = start
    while index < len(lines) and not lines[index].strip() and index - start < 2:
        index += 1
    headers: dict[str, str] = {}
    last: str | None = None
    while index < len(lines) and index - start < _HEADER_BLOCK_MAX_LINES:
        line = lines[index]
        name = _header_name(line)
        if name is not None:
            match = _HEADER_LINE.match(line)
            assert match is not None
            headers.setdefault(name, match.group(2).strip().strip("*").strip())
            last = name
        elif last is not None and line[:1] in (" ", "\t") and line.strip():
            headers[last] = f"{headers[last]} {line.strip()}"
        else:
            break
        index += 1
    return (headers, index) if headers else ({}, start)


# --- signature and disclaimer at the end of the writer's part ------------------------------------


def _strip_footer(lines: list[str]) -> str:
    paragraphs = _paragraphs(lines)
    paragraphs = _drop_disclaimers(paragraphs)
    kept = [line for paragraph in paragraphs for line in (*paragraph, "")]
    kept = _drop_signature(kept)
    return _tidy(kept)


def _paragraphs(lines: list[str]) -> list[list[str]]:
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return [p for p in paragraphs if p]


def _drop_disclaimers(paragraphs: list[list[str]]) -> list[list[str]]:
    kept: list[list[str]] = []
    for paragraph in paragraphs:
        if _DISCLAIMER_HEADING.match(paragraph[0]) and kept:
            break  # a footer heading: the rest of the writer's part is footer
        if _is_disclaimer(" ".join(paragraph)) and kept:
            continue
        kept.append(paragraph)
    return kept


def _is_disclaimer(paragraph: str) -> bool:
    if _ANTIVIRUS_FOOTER.search(paragraph):
        return True
    return bool(_DISCLAIMER_SUBJECT.search(paragraph) and _DISCLAIMER_WORD.search(paragraph))


def _drop_signature(lines: list[str]) -> list[str]:
    for index, line in enumerate(lines):
        if _SIGNATURE_DELIMITER.match(line) and index > 0:
            return lines[:index]
    lines = _drop_mobile_signature(lines)
    return _drop_closing(lines)


def _drop_mobile_signature(lines: list[str]) -> list[str]:
    """ "Dikirim dari iPhone saya" and its kind among the last lines: that line and what follows."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    for index in filled[-5:]:
        if _MOBILE_SIGNATURE.match(lines[index]) and len(lines[index].strip()) <= 80 and index > filled[0]:
            return lines[:index]
    return lines


def _drop_closing(lines: list[str]) -> list[str]:
    """A closing ("Salam,", "Hormat saya,") followed only by a short name block, at the very end."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    first = max(1, len(filled) - CLOSING_MAX_TAIL_LINES - 1)  # never the first line: that is a greeting
    for position in range(first, len(filled)):
        index, tail = filled[position], filled[position + 1:]
        if not _CLOSING.match(lines[index]):
            continue
        if all(len(lines[i].strip()) <= CLOSING_MAX_LINE_CHARS for i in tail):
            return lines[:index]
    return lines


def _tidy(lines: list[str]) -> str:
    text = "\n".join(lines).strip()
    return re.sub(r"\n{3,}", "\n\n", text)
