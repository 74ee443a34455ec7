"""Real local servers for tests, the demo command and benchmarks: no mocks.

- PrivateDovecot: Dovecot IMAP (plain + IMAPS) with its own config, mail and log dir.
- SmtpSink: an aiosmtpd server that records (or refuses) what it receives.
- PrivatePostgres: a throw-away PostgreSQL cluster.
- OAuthTestServer: an OAuth2 token and introspection endpoint (for XOAUTH2 logins).

Each binds only to 127.0.0.1 on free ports and never touches the system services.
A missing binary raises ServerMissing, naming the apt package to install.
"""

from ._ports import ServerMissing, port_is_free
from .dovecot import PrivateDovecot
from .oauth_server import OAuthTestServer
from .postgres import PrivatePostgres
from .smtp_sink import ReceivedMail, SmtpSink

__all__ = ["OAuthTestServer", "PrivateDovecot", "PrivatePostgres", "ReceivedMail", "ServerMissing", "SmtpSink", "port_is_free"]
