"""``[notifications]`` of ``cmacop.toml``: receipts and reminders by email, off by default.

Nothing is sent while ``smtp_hote`` is empty. The password is never in the file: the
setting ``smtp_mot_de_passe_env`` names the environment variable that holds it, read
only when a message is sent, and never written anywhere by cmacop.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

# How the connection to the mail server is protected.
NO_SECURITY, STARTTLS, SSL = "aucune", "starttls", "ssl"
SECURITIES = (NO_SECURITY, STARTTLS, SSL)
# The usual port of each, when smtp_port is not given.
DEFAULT_PORTS = {NO_SECURITY: 25, STARTTLS: 587, SSL: 465}
PASSWORD_ENV = "CMACOP_SMTP_MOT_DE_PASSE"


@dataclass(frozen=True)
class Notifications:
    """Where and how cmacop sends its emails (``[notifications]``)."""

    host: str
    port: int
    security: str  # aucune, starttls or ssl
    user: str  # empty: no authentication
    password_env: str  # the environment variable holding the password
    sender: str
    copy: tuple[str, ...] = ()  # addresses copied on every message
    send_receipts: bool = True

    def password(self) -> str | None:
        """The password, from the environment (None: not set)."""
        return os.environ.get(self.password_env) or None

    def describe(self) -> str:
        """``smtp.exemple.fr:587 (starttls, utilisateur cop)``: the server, never the password."""
        who = f", utilisateur {self.user}" if self.user else ", sans authentification"
        return f"{self.host}:{self.port} ({self.security}{who})"
