"""knit.redact: py4j's DEBUG records lose every secret, including ones never seen before (found by pattern)."""
from __future__ import annotations

import json
import logging

import pytest

from knit import redact

UNSEEN = "f00d" * 16  # never registered: only a pattern can find it

CASES = {
    "auth command": f"Command to send: A\n{UNSEEN}\n",
    "masterAddress answer": "Answer received: ys" + json.dumps(
        {"host": "nm1", "port": 4242, "secret": UNSEEN, "certificate": "-----BEGIN CERTIFICATE-----\\nMIIB"}),
    "secret_envvars in a spec": "Command to send: c\nt\nsubmit\ns" + json.dumps(
        {"command": "run", "secret_envvars": {"TOKEN": UNSEEN, "B": "x"}, "envvars": {"A": "1"}}) + "\ne\n",
    "a private key, newlines escaped": "Answer received: ys" + json.dumps(
        {"certificate": "c", "private_key": f"-----BEGIN PRIVATE KEY-----\n{UNSEEN}\n-----END PRIVATE KEY-----\n"}),
    "a PEM key in free text": f"x -----BEGIN EC PRIVATE KEY-----\n{UNSEEN}\n-----END EC PRIVATE KEY----- y",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_patterns_find_secrets_never_seen(text):
    assert UNSEEN in text
    cleaned = redact.redact(text)
    assert UNSEEN not in cleaned and redact.REDACTED in cleaned


def test_what_is_not_secret_stays():
    text = 'Answer received: ys{"host": "nm1", "port": 4242, "certificate": "PEM", "envvars": {"A": "1"}}'
    assert redact.redact(text) == text
    call = "Command to send: c\nt\nmasterAddress\nsapplication_1_0001\ne\n"
    assert redact.redact(call) == call


def test_a_registered_secret_is_replaced_anywhere(caplog):
    secret = "opaque-token-with-no-pattern"
    assert redact.redact(f"x {secret} y", {secret}) == f"x {redact.REDACTED} y"
    multiline = "line one\nline two"  # py4j sends it as 'line one\\nline two'
    redact.register(multiline)
    with caplog.at_level(logging.DEBUG, logger="py4j.java_gateway"):
        logging.getLogger("py4j.java_gateway").debug("Command to send: c\nt\nm\nsline one\\nline two\ne\n")
    assert "line two" not in caplog.text and redact.REDACTED in caplog.text


@pytest.mark.parametrize("name", redact.PY4J_LOGGERS)
def test_py4j_records_are_rewritten_before_any_handler(name, caplog):
    logger = logging.getLogger(name)
    with caplog.at_level(logging.DEBUG, logger=name):
        logger.debug("Command to send: {0}".format(f"A\n{UNSEEN}\n"))  # how py4j formats
        logger.debug("Answer received: %s", 'ys{"secret": "%s"}' % UNSEEN)
    assert len(caplog.records) == 2
    assert UNSEEN not in caplog.text and caplog.text.count(redact.REDACTED) == 2
    # Control: the same record on a logger without the filter keeps the secret, so the capture would show it.
    other = logging.getLogger("knit.test.unfiltered")
    with caplog.at_level(logging.DEBUG, logger=other.name):
        other.debug("Command to send: {0}".format(f"A\n{UNSEEN}\n"))
    assert UNSEEN in caplog.text
