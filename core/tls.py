"""The TLS context for IMAP and SMTP: the system's CAs, or only the certificate file the office names.

A file with the office's own CA trusts every server certificate it signed; a server's self-signed
certificate in that file is then the only one accepted (pinned). Host names are always checked.
"""

from __future__ import annotations

import ssl
from pathlib import Path


def client_context(ca_file: Path | None = None) -> ssl.SSLContext:
    if ca_file is None:
        return ssl.create_default_context()
    context = ssl.create_default_context(cafile=str(ca_file))
    # a self-signed server certificate is a trust anchor of its own, even without CA:TRUE
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN
    return context
