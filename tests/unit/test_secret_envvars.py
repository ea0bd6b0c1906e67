"""knit.secret_envvars without a cluster: checks that never show a value, values never from argv, and the py4j
DEBUG log kept clean (their delivery to containers: tests/integration/test_secrets_and_big_logs.py)."""
import io
import logging

import pytest

from knit import gateway, secret_envvars
from knit.exceptions import SpecError
from py4j.protocol import escape_new_line


@pytest.mark.parametrize("value, envvars, why", [
    ({"1BAD": "hunter2"}, {}, "not a valid environment variable name"),
    ({"A-B": "hunter2"}, {}, "not a valid environment variable name"),
    ({"TOKEN": "hunter2"}, {"TOKEN": "plain"}, "also in envvars"),
    ({"TOKEN": b"hunter2"}, {}, "must be a str"),
    ({"TOKEN": "hun\0ter2"}, {}, "NUL"),
    (["TOKEN=hunter2"], {}, "must be a dict"),
])
def test_bad_secret_envvars_are_refused_without_showing_the_value(value, envvars, why):
    with pytest.raises(SpecError, match=why) as e:
        secret_envvars.check(value, envvars)
    assert "hunter2" not in str(e.value) and "hun" not in str(e.value)


def test_values_come_from_the_environment_else_from_stdin_lines():
    stdin = io.StringIO("from stdin\nsecond one\n")
    values = secret_envvars.read_values(["A", "B", "C"], environ={"B": "from env"}, stdin=stdin)
    assert values == {"A": "from stdin", "B": "from env", "C": "second one"}
    with pytest.raises(SpecError, match="--secret-envvar D: no value"):
        secret_envvars.read_values(["D"], environ={}, stdin=io.StringIO(""))


def test_the_submitted_json_and_each_value_are_redacted_from_py4j_debug_logs(caplog):
    secrets = {"TOKEN": 'tok"en\\with\nnewline-7781'}
    text = secret_envvars.to_json(secrets)
    py4j_logger = logging.getLogger("py4j.java_gateway")
    with caplog.at_level(logging.DEBUG, logger="py4j.java_gateway"):
        py4j_logger.debug("Command to send: %s", "c\nt\nsubmit\ns{}\ns" + escape_new_line(text) + "\ne\n")
        py4j_logger.debug("echo %s", secrets["TOKEN"])
    assert "newline-7781" not in caplog.text and "<secret>" in caplog.text
    assert secret_envvars.to_json({}) is None


def test_java_cleanup_failures_reach_the_message():
    class Fake:
        def __init__(self, text, suppressed=()):
            self.text, self.suppressed = text, suppressed

        def getSuppressed(self):
            return list(self.suppressed)

        def toString(self):
            return self.text

    e = Fake("boom", [Fake("java.io.IOException: cannot delete /x")])
    assert gateway._suppressed(e) == "; and while cleaning up: java.io.IOException: cannot delete /x"
    assert gateway._suppressed(Fake("boom")) == ""
