"""Secrets out of py4j's DEBUG log.

py4j logs every command it sends and every answer it receives at DEBUG: the auth command carries a gateway's
secret, ``masterAddress``'s answer an application's secret, and a TLS identity's answer a private key. A filter
on py4j's loggers rewrites such records before any handler sees them. It works on patterns (the auth command's
token line, JSON members named like secrets, PEM private keys), so it covers a secret the first time it passes —
an answer is logged before Python has read the secret out of it — and also keeps replacing every secret this
process was told of (:func:`register`).
"""
from __future__ import annotations

import logging
import re

from py4j.protocol import escape_new_line

REDACTED = "<secret>"

#: Members of the JSON that crosses py4j whose values are secrets.
SECRET_MEMBERS = ("secret", "secret_envvars", "secret_files", "secret_file", "token", "password", "private_key")

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Py4J's auth command: a line "A", then the token. No other py4j command is named "A".
    (re.compile(r"((?:^|\n|: )A(?:\n|\\n))[^\n\\]+"), r"\1" + REDACTED),
    # "secret": "..." or "secret_envvars": {...} inside an answer (py4j escapes newlines, not quotes).
    (re.compile(r'("(?:' + "|".join(SECRET_MEMBERS) + r')"\s*:\s*)("(?:[^"\\]|\\.)*"|\{[^{}]*\})'),
     r"\1" + f'"{REDACTED}"'),
    # A PEM private key, whether its newlines are real or escaped.
    (re.compile(r"-----BEGIN ([A-Z ]*)PRIVATE KEY-----.*?-----END \1PRIVATE KEY-----", re.S),
     f"-----{REDACTED} PRIVATE KEY-----"),
]


def redact(text: str, known: "set[str] | frozenset[str]" = frozenset()) -> str:
    """``text`` with every secret it holds replaced by ``<secret>``."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    for secret in known:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record whose message holds a secret; never drops one."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


_filter = RedactSecrets()
#: The loggers py4j writes commands and answers to.
PY4J_LOGGERS = ("py4j.java_gateway", "py4j.clientserver")
for _name in PY4J_LOGGERS:
    logging.getLogger(_name).addFilter(_filter)


def register(secret: str) -> None:
    """Also replace ``secret`` wherever py4j logs it (a secret no pattern would recognize), as it is and as
    py4j's protocol escapes it in a command (newlines and backslashes)."""
    if secret:
        _filter.secrets.update({secret, escape_new_line(secret)})
