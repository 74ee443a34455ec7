"""Readable text out of everything citizens send.

Public face: `extract_mail(parsed)` for a parsed message (bodies, attachments, nested messages),
`extract_file(name, data)` for a file (scanned letter, PDF, office document, image, archive).
A failure never raises: it is recorded on the document as `error`.
"""

from ingest.extract._legacy import extract_file, extract_mail, guess_content_type
from ingest.extract.document import ExtractedDocument, Limits

__all__ = ["ExtractedDocument", "Limits", "extract_file", "extract_mail", "guess_content_type"]
