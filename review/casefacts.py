"""What the case page shows, computed from stored rows: pure functions, no I/O.

- the original's headers and bodies (HTML sanitised with nh3: no scripts, no remote images, no styles);
- the text the classifier read, cut into segments with the evidence spans marked;
- the model's top candidates for unit, maladministration type and kind, with their scores.
"""

from __future__ import annotations

from dataclasses import dataclass
from email import message_from_bytes
from email.policy import default as default_policy
from typing import Any

import nh3

from core.directory import Directory
from storage.models import Classification, Document

SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Date", "Subject", "Message-ID")
# Mail HTML may format text, never run code, load remote content or restyle the page.
HTML_TAGS = set(nh3.ALLOWED_TAGS) - {"img", "map", "area"}
HTML_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
FIELD_NAMES = {
    "kind": "jenis pesan",
    "agency_type": "jenis instansi",
    "region": "wilayah",
    "maladministration": "maladministrasi",
    "confidential": "minta dirahasiakan",
    "case_ref": "nomor kasus",
}


@dataclass(frozen=True)
class OriginalMail:
    headers: list[tuple[str, str]]
    plain: str | None
    html: str | None  # already sanitised
    problem: str | None = None


def sanitise_html(html: str) -> str:
    return nh3.clean(html, tags=HTML_TAGS, attributes=HTML_ATTRIBUTES, clean_content_tags={"script", "style"},
                     url_schemes={"http", "https", "mailto"}, link_rel="noopener noreferrer nofollow")


def original_mail(data: bytes) -> OriginalMail:
    """Headers and bodies of a stored message, for staff to read (never raises on a broken mail)."""
    try:
        msg = message_from_bytes(data, policy=default_policy)
        headers = [(name, str(msg[name])) for name in SHOWN_HEADERS if msg[name] is not None]
        plain_part = msg.get_body(("plain",))
        html_part = msg.get_body(("html",))
        plain = plain_part.get_content() if plain_part is not None else None
        html = sanitise_html(html_part.get_content()) if html_part is not None else None
        return OriginalMail(headers, plain, html)
    except Exception as exc:  # noqa: BLE001 (any parser failure: a malformed mail is still shown as raw text)
        text = data.decode("utf-8", "replace")
        why = "pengodean hurufnya tidak dikenal" if isinstance(exc, LookupError | UnicodeError) else "strukturnya rusak"
        return OriginalMail([], text, None, problem=f"Surel ini tidak dapat diurai sepenuhnya ({why}); "
                                                     "ditampilkan apa adanya.")


def classifier_text(subject: str, documents: list[Document], is_mail: bool) -> str:
    """The text the classifier read (MessageText.full_text), to which evidence offsets refer."""
    body = "\n\n".join(_own(d) for d in documents if d.part == "body" and _own(d))
    attachments = "\n\n".join(_own(d) for d in documents if d.part != "body" and _own(d))
    if not is_mail:  # a scanned letter: everything is its body, and it has no subject
        return "\n\n".join(p for p in (body, attachments) if p)
    return "\n\n".join(p for p in (subject, body, attachments) if p)


def _own(document: Document) -> str:
    return document.text if document.clean_text is None else document.clean_text


@dataclass(frozen=True)
class Segment:
    text: str
    field: str | None = None  # evidence field when this segment is marked
    label: str | None = None


@dataclass(frozen=True)
class Highlighted:
    segments: list[Segment]
    unplaced: list[dict[str, Any]]  # evidence whose span is not in the text (shown as a list)


def highlight(text: str, evidence: list[dict[str, Any]]) -> Highlighted:
    """Cut `text` into plain and marked segments; overlapping spans keep the first one."""
    spans: list[tuple[int, int, str, str]] = []
    unplaced: list[dict[str, Any]] = []
    for item in evidence:
        start, end = int(item.get("start", -1)), int(item.get("end", -1))
        quoted = str(item.get("text", ""))
        if not (0 <= start < end <= len(text)) or (quoted and text[start:end].lower() != quoted.lower()):
            found = text.lower().find(quoted.lower()) if quoted else -1
            if found < 0:
                unplaced.append(item)
                continue
            start, end = found, found + len(quoted)
        spans.append((start, end, str(item.get("field", "")), str(item.get("label", ""))))
    segments: list[Segment] = []
    position = 0
    for start, end, field, label in sorted(spans):
        if start < position:
            continue
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], field, label))
        position = end
    if position < len(text):
        segments.append(Segment(text[position:]))
    return Highlighted(segments, unplaced)


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str
    score: float


def top_types(scores: dict[str, Any], directory: Directory, n: int = 3) -> list[Candidate]:
    names = {m.id: m.name for m in directory.maladministration_types}
    ranked = _ranked(scores.get("maladministration") or {})
    return [Candidate(t, names.get(t, t), s) for t, s in ranked[:n]]


def top_kinds(scores: dict[str, Any], kind_names: dict[str, str], n: int = 3) -> list[Candidate]:
    ranked = _ranked(scores.get("kind") or {})
    return [Candidate(k, kind_names.get(k, k), s) for k, s in ranked[:n]]


def top_units(scores: dict[str, Any], directory: Directory, n: int = 3, *,
              chosen: str | None = None) -> list[Candidate]:
    """The unit candidates the decision was made from, best first, the chosen unit (`chosen`, the
    classification's unit) always first.

    The classifier's own P(unit) (`scores["unit"]`, classify/learned) when it recorded them; for older
    classifications, P(agency type) × P(region | type), normalised to sum 1, where P(region | type) is the
    best region score among the regions a unit covers (a province-wide unit, or the only unit of its type,
    takes the type's score alone). Units of a type whose region the text does not name are not candidates:
    the decision was not made from them, so they are not listed at equal shares.
    """
    names = {u.id: u.name for u in directory.units}
    if scores.get("unit"):
        ranked = _ranked(scores["unit"])
    else:
        ranked = _units_from_parts(scores, directory)
    if chosen and ranked and ranked[0][0] != chosen:
        mine = [(u, s) for u, s in ranked if u == chosen]
        ranked = (mine or [(chosen, 0.0)]) + [(u, s) for u, s in ranked if u != chosen]
    elif chosen and not ranked:
        ranked = [(chosen, 0.0)]
    return [Candidate(u, names.get(u, u), s) for u, s in ranked[:n] if s > 0 or u == chosen]


def _units_from_parts(scores: dict[str, Any], directory: Directory) -> list[tuple[str, float]]:
    agency = {k: float(v) for k, v in (scores.get("agency_type") or {}).items()}
    region = {k: float(v) for k, v in (scores.get("region") or {}).items()}
    raw: list[tuple[str, float]] = []
    for type_id, p_type in agency.items():
        units = directory.units_of_type(type_id)
        if p_type <= 0 or not units:
            continue
        if len(units) == 1:
            raw.append((units[0].id, p_type))
            continue
        by_region = {u.id: (1.0 if not u.covers else max((region.get(c, 0.0) for c in u.covers), default=0.0))
                     for u in units}
        raw += [(unit_id, p_type * p) for unit_id, p in by_region.items() if p > 0]
    total = sum(s for _, s in raw) or 1.0
    return sorted(((u, s / total) for u, s in raw), key=lambda x: (-x[1], x[0]))


def top_agency_types(scores: dict[str, Any], directory: Directory, n: int = 3) -> list[Candidate]:
    names = {t.id: t.name for t in directory.agency_types}
    return [Candidate(t, names.get(t, t), s) for t, s in _ranked(scores.get("agency_type") or {})[:n]]


def _ranked(values: dict[str, Any]) -> list[tuple[str, float]]:
    return sorted(((k, float(v)) for k, v in values.items()), key=lambda x: (-x[1], x[0]))


def latest(classifications: list[Classification]) -> Classification | None:
    return classifications[-1] if classifications else None
