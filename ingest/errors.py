"""Errors of the ingest stage."""

from core.errors import NarahubungError, UnsupportedInput


class MessageUnparseable(NarahubungError):
    """The bytes are kept, but no mail could be read from them."""


class ExtractionFailed(NarahubungError):
    """A body or attachment gave no text; the reason is stored on its document."""


__all__ = ["ExtractionFailed", "MessageUnparseable", "UnsupportedInput"]
