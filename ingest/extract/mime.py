"""Readable text out of one MIME mail: its body, then each attachment, nested message and TNEF member.

`extract_mail(parsed, raw)` returns, in order:

1. the body (part "body", path "body"): text/plain, else HTML turned into text by inscriptis; each text
   part is decoded from its original bytes, and a declared charset that is unknown or wrong falls back
   to UTF-8, then to charset-normalizer (windows-1252 preferred among equally good guesses: it is the
   ANSI code page of Indonesian Windows). `clean_text` is the complainant's own words (clean.py).
2. each mail forwarded *inline* in the body (Gmail "Pesan terusan", Outlook header blocks …): part
   "message", path "body/1", "body/2" …, with its From/To/Date/Subject in `headers`. Its `clean_text`
   is "" because its words, when they are the complaint, are already in the body's clean text.
   (Only in the mail's own body: forwards inline in a nested message stay in that message's text.)
3. each attachment (path "1", "2" …; uuencoded blocks of the body come after the MIME ones):
   - message/rfc822 (or a .eml file): part "message" with `headers` and its own body text, then ITS
     attachments ("2/1" …), down to `limits.max_depth` levels; deeper messages get an `error`.
   - winmail.dat / application/ms-tnef: part "attachment", method "tnef", the TNEF body as text, then
     its members ("3/1" …).
   - signature logos, tracking pixels and S/MIME or PGP signatures are listed, with their bytes, but
     never read: method "none", text "", error None (that triple means "skipped on purpose"; an
     unreadable file always has an error). See `_is_decorative`: a photo of a letter pasted into the
     HTML is large, so it is still read.
   - every other file goes to `registry.extract_document`.

The mail's structure is read from `raw` with Python's `email` package when the raw bytes are given:
mail-parser merges the text of attached messages into the body and keeps neither the original bytes of
a text part nor its Content-ID. Without `raw`, the ParsedMail alone is used, with those limits.

Nothing raises: a failure becomes a document with `error` (in Indonesian, staff read it), and the rest
of the message is still processed.
"""

from __future__ import annotations

import binascii
import codecs
import io
import logging
import mimetypes
import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass, field, replace
from email import message_from_bytes, message_from_string, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message

import compressed_rtf  # noqa: F401 — tnefparse needs it to decompress RTF bodies; fail loudly without it
from charset_normalizer import from_bytes
from inscriptis import get_text
from PIL import Image
from striprtf.striprtf import rtf_to_text
from tnefparse import TNEF
from tnefparse.tnef import TNEFAttachment

from ingest.extract.clean import forwarded_messages, own_words
from ingest.extract.document import ExtractedDocument, Limits
from ingest.extract.registry import extract_document
from ingest.parse import ParsedMail

log = logging.getLogger(__name__)

TINY_IMAGE_BYTES = 2048  # smaller than this cannot hold a readable letter: a pixel, bullet or icon
TRACKING_PIXEL_MAX_SIDE = 2  # an image 2 px wide or high (1×1 pixels, 600×1 spacers) is never a letter
LOGO_MAX_PIXELS = 250_000  # an image referenced from the HTML up to ~500×500 px is a logo, not a letter
_MESSAGE_TYPES = ("message/rfc822", "message/global")
_TNEF_TYPES = ("application/ms-tnef", "application/vnd.ms-tnef")
# S/MIME and PGP signatures: proof of the sender, never words; listed, not read.
_CRYPTO_SIGNATURES = ("application/pgp-signature", "application/pkcs7-signature", "application/x-pkcs7-signature")
_TNEF_SIGNATURE = b"\x78\x9f\x3e\x22"  # 0x223E9F78, little-endian
_HEADERS_KEPT = ("From", "To", "Cc", "Date", "Subject")
_PREFERRED_GUESS = "cp1252"
_LATIN1_NAMES = {"latin_1", "ascii", "cp1252"}  # labels that mail clients use for windows-1252 text
_C1_CONTROLS = re.compile("[\x80-\x9f]")
_CID_REFERENCE = re.compile(r"cid:([^\s\"'<>)\]]+)", re.IGNORECASE)
_BOUNDARY_LINE = re.compile(r"^--\S+[ \t\r]*$", re.MULTILINE)
_HEADER_START = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:")
_UU_BEGIN = re.compile(r"^begin [0-7]{3,4} (.+?)\s*$")
_UU_LINE = re.compile(r"^[\x20-\x60]{1,62}$")  # one uuencoded line: printable ASCII from space to backquote


@dataclass(frozen=True)
class _Text:
    """One decoded text part."""

    text: str
    error: str | None = None


@dataclass(frozen=True)
class _Leaf:
    """One attachment-like part, before it is read."""

    filename: str
    content_type: str
    data: bytes
    content_id: str | None = None
    message: Message | None = None  # the parsed inner message of a message/rfc822 part
    error: str | None = None  # the part could not even be taken out of the mail


@dataclass(frozen=True)
class _Content:
    """A mail split into its body text parts and its attachment-like parts."""

    plain: tuple[_Text, ...] = ()
    html: tuple[_Text, ...] = ()
    leaves: tuple[_Leaf, ...] = ()


@dataclass
class _Budget:
    """Bytes that nested messages, TNEF members and uuencoded files may still add, for the whole mail."""

    remaining: int

    def take(self, size: int) -> bool:
        if size > self.remaining:
            return False
        self.remaining -= size
        return True


@dataclass
class _Context:
    limits: Limits
    budget: _Budget = field(init=False)

    def __post_init__(self) -> None:
        self.budget = _Budget(self.limits.max_decompressed_bytes)


# --- public ----------------------------------------------------------------------------------------


def extract_mail(
    parsed: ParsedMail, raw: bytes | None = None, limits: Limits = Limits(), depth: int = 0
) -> list[ExtractedDocument]:
    """The body first, then the mails forwarded inline in it, then each attachment in order."""
    return _say_when_empty(_extract_mail(parsed, raw, limits, depth))


def _extract_mail(parsed: ParsedMail, raw: bytes | None, limits: Limits, depth: int) -> list[ExtractedDocument]:
    if raw:
        try:
            return _mail_documents(_content_of_raw(raw, parsed), parsed.subject, depth, _Context(limits))
        except Exception:
            log.exception("reading the raw mail failed; falling back to mail-parser's view")
    try:
        return _mail_documents(_content_of_parsed(parsed), parsed.subject, depth, _Context(limits))
    except Exception as exc:  # the last net: a hostile mail must never stop the pipeline
        log.exception("extracting a mail failed")
        return [_failed("body", "body", None, "text/plain", None, f"isi surel gagal dibaca ({_reason(exc)})")]


def _say_when_empty(documents: list[ExtractedDocument]) -> list[ExtractedDocument]:
    """A mail with no readable text anywhere and no reason yet gets one on its body, for staff."""
    if any(d.text.strip() for d in documents) or any(d.error for d in documents):
        return documents
    body, *rest = documents
    return [replace(body, error="surel ini tidak berisi teks yang dapat dibaca (badan kosong, lampiran tanpa teks)"),
            *rest]


def extract_message(
    path: str, filename: str | None, data: bytes, limits: Limits = Limits(), depth: int = 0
) -> list[ExtractedDocument]:
    """A mail saved as a file (.eml, or message/rfc822 found in an archive): a "message" document at
    `path` with its headers and text, then its attachments under `path/`. `depth` is its own level."""
    leaf = _Leaf(filename or "pesan.eml", "message/rfc822", data)
    return _leaf_documents(leaf, path, depth, frozenset(), _Context(limits))


# --- reading the structure ----------------------------------------------------------------------


def _content_of_raw(raw: bytes, parsed: ParsedMail) -> _Content:
    content = _content_of_message(message_from_bytes(raw, policy=policy.default))
    holds_messages = any(leaf.message is not None for leaf in content.leaves)
    if not (_has_text(content.plain + content.html) or holds_messages) and (
        parsed.text_plain.strip() or parsed.text_html.strip()
    ):
        # mail-parser recovered text that the email package did not (a body in a broken epilogue …);
        # not when the mail holds messages, whose text mail-parser would have merged into the body
        fallback = _content_of_parsed(parsed)
        return _Content(fallback.plain, fallback.html, content.leaves)
    return content


def _content_of_parsed(parsed: ParsedMail) -> _Content:
    """Without the raw bytes: mail-parser's view (inner messages' text may be merged into the body)."""
    leaves = tuple(_leaf_of_attachment(a.filename, a.content_type, a.payload) for a in parsed.attachments)
    return _Content((_parsed_text(parsed.text_plain),), (_parsed_text(parsed.text_html),), leaves)


def _parsed_text(text: str) -> _Text:
    if "\ufffd" in text:
        return _Text(text, "set karakter teks tidak dikenali; sebagian huruf rusak (bita asli surel tidak tersedia)")
    return _Text(text)


def _leaf_of_attachment(filename: str, content_type: str, data: bytes) -> _Leaf:
    # mail-parser names a part that has only a Content-ID after that Content-ID
    content_id = filename.strip("<>") if filename.startswith("<") and filename.endswith(">") else None
    return _Leaf(filename, content_type, data, content_id)


def _content_of_message(message: Message) -> _Content:
    plain: list[_Text] = []
    html: list[_Text] = []
    leaves: list[_Leaf] = []
    _collect(message, plain, html, leaves)
    return _Content(tuple(plain), tuple(html), tuple(leaves))


def _collect(part: Message, plain: list[_Text], html: list[_Text], leaves: list[_Leaf]) -> None:
    content_type = part.get_content_type()
    if content_type in _MESSAGE_TYPES:
        leaves.append(_message_leaf(part, len(leaves) + 1))
    elif part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                _collect(sub, plain, html, leaves)
    elif part.get_content_maintype() == "multipart":
        _collect_broken_multipart(part, plain, html, leaves)
    elif _is_body_text(part):
        (html if content_type == "text/html" else plain).append(_decode_part(part))
    else:
        leaves.append(_part_leaf(part, len(leaves) + 1))


def _collect_broken_multipart(part: Message, plain: list[_Text], html: list[_Text], leaves: list[_Leaf]) -> None:
    """A multipart whose boundary was not found arrives as one string: cut it at anything that looks
    like a boundary line and read each piece that starts with headers as a part of its own."""
    payload = part.get_payload()
    text = payload if isinstance(payload, str) else ""
    pieces = [piece.lstrip("\r\n") for piece in _BOUNDARY_LINE.split(text)]
    parts = [piece for piece in pieces if _HEADER_START.match(piece)]
    for piece in parts:
        _collect(message_from_string(piece, policy=policy.default), plain, html, leaves)
    if not parts and text.strip():
        plain.append(_Text(text))


def _is_body_text(part: Message) -> bool:
    if part.get_content_type() not in ("text/plain", "text/html"):
        return False
    disposition = part.get_content_disposition()
    if disposition == "attachment":
        return False
    return disposition == "inline" or not _filename(part)


def _message_leaf(part: Message, index: int) -> _Leaf:
    filename = _filename(part) or f"pesan-{index}.eml"
    try:
        inner = part.get_payload(0)
        if not isinstance(inner, Message):
            raise TypeError("message/rfc822 part without a message inside")
        data = _message_bytes(inner)
    except Exception as exc:  # noqa: BLE001 — a broken MIME part: its reason is stored
        return _Leaf(filename, "message/rfc822", b"", error=f"pesan terlampir tidak dapat diurai ({_reason(exc)})")
    return _Leaf(filename, "message/rfc822", data, _content_id(part), message=inner)


def _part_leaf(part: Message, index: int) -> _Leaf:
    content_type = part.get_content_type()
    filename = _filename(part) or f"lampiran-{index}{mimetypes.guess_extension(content_type) or ''}"
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001 — a broken MIME part: its reason is stored
        return _Leaf(filename, content_type, b"", error=f"lampiran tidak dapat didekode ({_reason(exc)})")
    return _Leaf(filename, content_type, data if isinstance(data, bytes) else b"", _content_id(part))


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001 — a broken RFC 2231 parameter
        return None
    if not name:
        return None
    name = str(name)
    if "=?" in name:  # RFC 2047 inside a parameter: not allowed, but every old client does it
        with suppress(Exception):  # not an encoded word after all: keep the name as given
            name = str(make_header(decode_header(name)))
    return name.replace("\x00", "").strip() or None


def _content_id(part: Message) -> str | None:
    value = part.get("Content-ID")
    if value is None:
        return None
    return str(value).strip().strip("<>").strip() or None


def _message_bytes(message: Message) -> bytes:
    try:
        return message.as_bytes(policy=policy.default)
    except Exception:  # noqa: BLE001 — headers the generator refuses to fold: keep them as they came
        return message.as_bytes(policy=policy.compat32)


# --- text decoding ----------------------------------------------------------------------------------


def _decode_part(part: Message) -> _Text:
    try:
        data = part.get_payload(decode=True)
    except Exception as exc:  # noqa: BLE001 — a broken MIME part: its reason is stored
        return _Text("", f"bagian teks tidak dapat didekode ({_reason(exc)})")
    return _Text(decode_text(data if isinstance(data, bytes) else b"", part.get_content_charset()))


def decode_text(data: bytes, declared: str | None) -> str:
    """Text from bytes in a charset that may be missing, unknown or wrong."""
    codec = _codec(declared)
    if codec in _LATIN1_NAMES and not data.isascii() and _is_utf8(data):
        return data.decode("utf-8")  # UTF-8 mislabelled as Latin-1: valid UTF-8 by accident is rare
    if codec is not None:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            pass
        else:
            # iso-8859-1 with "smart quotes" is windows-1252 (as every browser reads it)
            return data.decode("cp1252", errors="replace") if codec == "latin_1" and _C1_CONTROLS.search(text) else text
    if _is_utf8(data):  # ASCII included
        return data.decode("utf-8")
    return _guess(data)


def _codec(declared: str | None) -> str | None:
    if not declared:
        return None
    try:
        return codecs.lookup(declared.strip().strip('"')).name.replace("-", "_").replace("iso8859_1", "latin_1")
    except (LookupError, ValueError):
        return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _guess(data: bytes) -> str:
    """charset-normalizer, preferring windows-1252 among the guesses that read equally well."""
    matches = list(from_bytes(data))
    if not matches:
        return data.decode(_PREFERRED_GUESS, errors="replace")
    least_chaos = min(m.chaos for m in matches)
    for match in matches:
        if match.chaos <= least_chaos and _PREFERRED_GUESS in match.could_be_from_charset:
            return data.decode(_PREFERRED_GUESS, errors="replace")
    return str(matches[0])


def _html_to_text(html: str) -> str:
    return get_text(html) if html.strip() else ""


# --- documents ----------------------------------------------------------------------------------


def _mail_documents(content: _Content, subject: str, depth: int, context: _Context) -> list[ExtractedDocument]:
    text, method, error = _body_text(content)
    text, uu_leaves = _split_uuencode(text)
    content_type = "text/html" if method == "html" else "text/plain"
    clean = own_words(text, subject)
    body = ExtractedDocument("body", "body", None, content_type, None, text, method,
                             clean_text=None if clean == text else clean, error=error)
    references = _cid_references(content)
    leaves = content.leaves + tuple(uu_leaves)
    return [body, *_inline_forwards(text, subject, method), *_leaves_documents(leaves, "", depth, references, context)]


def _body_text(content: _Content) -> tuple[str, str, str | None]:
    errors = "; ".join(dict.fromkeys(t.error for t in content.plain + content.html if t.error)) or None
    plain = [t.text for t in content.plain if t.text.strip()]
    if plain:
        return _normalise("\n\n".join(plain)), "plain", errors
    html = [t.text for t in content.html if t.text.strip()]
    if html:
        try:
            return _normalise("\n\n".join(_html_to_text(h) for h in html)), "html", errors
        except Exception as exc:  # noqa: BLE001 — hostile HTML: its reason is stored
            return "", "none", f"badan HTML tidak dapat diubah menjadi teks ({_reason(exc)})"
    return "", "none", errors


def _inline_forwards(text: str, subject: str, method: str) -> list[ExtractedDocument]:
    forwards = [f for f in forwarded_messages(text, subject) if f.kind == "forward"]
    return [
        ExtractedDocument("message", f"body/{i}", None, "text/plain", None, f.text, method, clean_text="",
                          headers={k: v for k, v in f.headers.items() if k in _HEADERS_KEPT})
        for i, f in enumerate(forwards, start=1)
    ]


def _leaves_documents(
    leaves: Iterable[_Leaf], prefix: str, parent_level: int, references: frozenset[str], context: _Context
) -> list[ExtractedDocument]:
    docs: list[ExtractedDocument] = []
    for index, leaf in enumerate(leaves, start=1):
        docs.extend(_leaf_documents(leaf, f"{prefix}{index}", parent_level + 1, references, context))
    return docs


def _leaf_documents(
    leaf: _Leaf, path: str, level: int, references: frozenset[str], context: _Context
) -> list[ExtractedDocument]:
    """One attachment-like part, at nesting `level` (1 = an attachment of the mail itself)."""
    try:
        if leaf.error:
            return [_failed("attachment", path, leaf.filename, leaf.content_type, leaf.data, leaf.error)]
        if leaf.message is not None or _is_message(leaf):
            return _message_documents(leaf, path, level, context)
        if _is_tnef(leaf):
            return _tnef_documents(leaf, path, level, context)
        if _is_decorative(leaf, references) or leaf.content_type in _CRYPTO_SIGNATURES:
            return [ExtractedDocument("attachment", path, leaf.filename, leaf.content_type, leaf.data, "", "none")]
        return _extract_document("attachment", path, leaf.filename, leaf.content_type, leaf.data,
                                 context.limits, level)
    except Exception as exc:  # one hostile part must not stop the others
        log.exception("extracting part %s failed", path)
        return [_failed("attachment", path, leaf.filename, leaf.content_type, leaf.data,
                        f"gagal dibaca ({_reason(exc)})")]


def _message_documents(leaf: _Leaf, path: str, level: int, context: _Context) -> list[ExtractedDocument]:
    refused = _container_refusal(leaf, level, context)
    if refused:
        return [_failed("message", path, leaf.filename, leaf.content_type, leaf.data, refused)]
    message = leaf.message if leaf.message is not None else message_from_bytes(leaf.data, policy=policy.default)
    content = _content_of_message(message)
    headers = _headers(message)
    text, method, error = _body_text(content)
    text, uu_leaves = _split_uuencode(text)
    clean = own_words(text, headers.get("Subject"))
    doc = ExtractedDocument("message", path, leaf.filename, "message/rfc822", leaf.data, text, method,
                            clean_text=None if clean == text else clean, error=error, headers=headers)
    references = _cid_references(content)
    return [doc, *_leaves_documents(content.leaves + tuple(uu_leaves), f"{path}/", level, references, context)]


def _tnef_documents(leaf: _Leaf, path: str, level: int, context: _Context) -> list[ExtractedDocument]:
    refused = _container_refusal(leaf, level, context)
    if refused:
        return [_failed("attachment", path, leaf.filename, leaf.content_type, leaf.data, refused)]
    try:
        tnef = TNEF(leaf.data, do_checksum=False)
    except Exception as exc:  # noqa: BLE001 — tnefparse raises anything on hostile bytes: the reason is stored
        return [_failed("attachment", path, leaf.filename, leaf.content_type, leaf.data,
                        f"winmail.dat (TNEF) rusak dan tidak dapat dibaca ({_reason(exc)})")]
    text, html, error = _tnef_text(tnef)
    if not text and not tnef.attachments and error is None:
        error = "winmail.dat (TNEF) tidak berisi teks maupun lampiran"
    clean = own_words(text)
    doc = ExtractedDocument("attachment", path, leaf.filename, leaf.content_type, leaf.data, text, "tnef",
                            clean_text=None if clean == text else clean, error=error)
    members = [_tnef_member(attachment, index, tnef.codepage) for index, attachment in
               enumerate(tnef.attachments, start=1)]
    references = _references_in(text, html)
    return [doc, *_leaves_documents(members, f"{path}/", level, references, context)]


def _tnef_text(tnef: TNEF) -> tuple[str, str, str | None]:
    """The TNEF body as text (plain, else HTML, else RTF), the HTML it came from, and an error."""
    codepage = tnef.codepage or _PREFERRED_GUESS
    if tnef.body:
        return _normalise(_tnef_string(tnef.body, codepage)), "", None
    if tnef.htmlbody:
        html = _tnef_string(tnef.htmlbody, codepage)
        return _normalise(_html_to_text(html)), html, None
    if tnef.has_body():
        try:
            rtf = tnef.rtfbody
            return _normalise(rtf_to_text(rtf.decode(codepage, errors="replace"))), "", None
        except Exception as exc:  # noqa: BLE001 — a broken RTF body: its reason is stored
            return "", "", f"badan RTF di winmail.dat tidak dapat dibaca ({_reason(exc)})"
    return "", "", None


def _tnef_string(value: str | bytes, codepage: str) -> str:
    text = value if isinstance(value, str) else decode_text(value, codepage)
    return text.replace("\x00", "")


def _tnef_member(attachment: TNEFAttachment, index: int, codepage: str | None) -> _Leaf:
    name: str | bytes = attachment.long_filename() or ""
    if isinstance(name, bytes):
        name = name.decode(codepage or _PREFERRED_GUESS, errors="replace")
    name = str(name).replace("\x00", "").strip() or f"lampiran-{index}"
    data = attachment.data or b""
    if getattr(attachment, "embed", None) is not None:  # an Outlook item attached to the item
        return _Leaf(name, "application/ms-tnef", data)
    return _Leaf(name, mimetypes.guess_type(name)[0] or "application/octet-stream", data)


def _container_refusal(leaf: _Leaf, level: int, context: _Context) -> str | None:
    """Why a nested message or TNEF is not opened, or None."""
    if level > context.limits.max_depth:
        return (f"bersarang terlalu dalam (tingkat {level}, batas {context.limits.max_depth} tingkat); "
                "isinya tidak dibaca")
    if not context.budget.take(len(leaf.data)):
        limit = _size(context.limits.max_decompressed_bytes)
        return f"batas total isi yang dibongkar ({limit}) terlampaui; bagian ini tidak dibaca"
    return None


def _extract_document(
    part: str, path: str, filename: str, content_type: str, data: bytes, limits: Limits, depth: int
) -> list[ExtractedDocument]:
    return list(extract_document(part, path, filename, content_type, data, limits, depth))


# --- kinds of part ----------------------------------------------------------------------------------


def _is_message(leaf: _Leaf) -> bool:
    return leaf.content_type in _MESSAGE_TYPES or leaf.filename.lower().endswith(".eml")


def _is_tnef(leaf: _Leaf) -> bool:
    """Only bytes with the TNEF signature: a "winmail.dat" that is really a PNG goes to the registry."""
    named = leaf.content_type in _TNEF_TYPES or leaf.filename.lower() == "winmail.dat"
    return named and leaf.data[:4] == _TNEF_SIGNATURE


def _is_decorative(leaf: _Leaf, references: frozenset[str]) -> bool:
    """A tracking pixel or a signature logo: never a letter, so never read.

    - tiny: fewer than TINY_IMAGE_BYTES bytes, or at most TRACKING_PIXEL_MAX_SIDE px wide or high;
    - a logo: referenced from the HTML (cid:) and at most LOGO_MAX_PIXELS pixels. A larger referenced
      image is a photo pasted into the mail (a letter, a receipt) and is read like any attachment.
    """
    if not _is_image(leaf):
        return False
    size = _image_size(leaf.data)
    if len(leaf.data) < TINY_IMAGE_BYTES or (size is not None and min(size) <= TRACKING_PIXEL_MAX_SIDE):
        return True
    return _is_referenced(leaf, references) and (size is None or size[0] * size[1] <= LOGO_MAX_PIXELS)


def _is_image(leaf: _Leaf) -> bool:
    guessed = mimetypes.guess_type(leaf.filename)[0] or ""
    return leaf.content_type.startswith("image/") or guessed.startswith("image/")


def _is_referenced(leaf: _Leaf, references: frozenset[str]) -> bool:
    if leaf.content_id and leaf.content_id.lower() in references:
        return True
    # Outlook (and TNEF) name inline images after their Content-ID: "image001.png@01D2…"
    return leaf.filename.lower() in {reference.split("@")[0] for reference in references}


def _image_size(data: bytes) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(data)) as image:  # reads the header only
            return image.size
    except Exception:  # noqa: BLE001 — not an image Pillow knows: not decorative
        return None


def _cid_references(content: _Content) -> frozenset[str]:
    return _references_in(*(t.text for t in content.html + content.plain))


def _references_in(*texts: str) -> frozenset[str]:
    return frozenset(match.lower() for text in texts for match in _CID_REFERENCE.findall(text))


# --- uuencode ---------------------------------------------------------------------------------------


def _split_uuencode(text: str) -> tuple[str, list[_Leaf]]:
    """uuencoded files inside a plain body ("begin 644 name" … "end") become attachments; the block
    is replaced by "[lampiran uuencode: name]". One pass over the lines: a "begin" without "end" stays."""
    if "begin " not in text:
        return text, []
    lines = text.split("\n")
    kept: list[str] = []
    leaves: list[_Leaf] = []
    index = 0
    while index < len(lines):
        begin = _UU_BEGIN.match(lines[index])
        end = _uu_end(lines, index + 1) if begin else None
        if begin is None or end is None:
            kept.append(lines[index])
            index += 1
            continue
        leaves.append(_uu_leaf(begin.group(1).strip() or f"lampiran-uu-{len(leaves) + 1}", lines[index + 1:end]))
        kept.append(f"[lampiran uuencode: {leaves[-1].filename}]")
        index = end + 1
    return "\n".join(kept), leaves


def _uu_end(lines: list[str], start: int) -> int | None:
    """The "end" line of a uuencoded block, or None when the lines in between are not uuencode."""
    for index in range(start, len(lines)):
        line = lines[index].rstrip()
        if line == "end":
            return index
        if line and not _UU_LINE.match(line):
            return None
    return None


def _uu_leaf(name: str, lines: list[str]) -> _Leaf:
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        return _Leaf(name, content_type, _uudecode(lines))
    except (binascii.Error, ValueError, IndexError) as exc:
        return _Leaf(name, content_type, b"", error=f"lampiran uuencode rusak ({_reason(exc)})")


def _uudecode(lines: list[str]) -> bytes:
    out = bytearray()
    for line in lines:
        if not line.strip() or line.strip() == "`":
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            # some encoders pad lines with garbage: decode only the length the line announces
            length = (((ord(line[0]) - 32) & 63) * 4 + 5) // 3
            out += binascii.a2b_uu(line[:length])
    return bytes(out)


# --- small helpers --------------------------------------------------------------------------------


def _headers(message: Message) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name in _HEADERS_KEPT:
        value = _header(message, name)
        if value:
            headers[name] = value
    return headers


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
        return " ".join(str(value).split()) if value is not None else ""
    except Exception:  # noqa: BLE001 — a header the parser chokes on: fall back to its raw text
        for key, raw in message.raw_items() if isinstance(message, EmailMessage) else message.items():
            if key.lower() == name.lower():
                try:
                    return " ".join(str(make_header(decode_header(str(raw)))).split())
                except Exception:  # noqa: BLE001 — undecodable: keep the raw text
                    return " ".join(str(raw).split())
        return ""


def _has_text(parts: tuple[_Text, ...]) -> bool:
    return any(t.text.strip() for t in parts)


def _failed(part: str, path: str, filename: str | None, content_type: str, data: bytes | None,
            error: str) -> ExtractedDocument:
    return ExtractedDocument(part, path, filename, content_type, data, "", "none", error=error)


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.0f} MB"
    return f"{count / 1024:.0f} KB" if count >= 1024 else f"{count} bita"


def _reason(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()[:300]


def _normalise(text: str) -> str:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip()
