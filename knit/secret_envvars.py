"""``secret_envvars=``: environment variables whose values stay out of the spec, the logs and every argv.

Their values travel apart from the spec (``ClientEntryPoint.submit(spec, secrets)``, over the client JVM's
loopback gateway, redacted from py4j's DEBUG log); the client JVM writes them only into the application's staging
dir (``secrets.sh``, mode 0600 in a 0700 dir), every container localizes that file as an APPLICATION resource
(the NodeManager's copy is the user's, mode 0500, deleted with the application) and the launch script sources
it. So they never appear in launch_container.sh, which the NodeManager copies into the container log dir
(``yarn.nodemanager.log-container-debug-info.enabled``), nor in the RM's records. Messages here name keys, never
values.
"""
from __future__ import annotations

import getpass
import json
import os
import re
import sys
from typing import Any, Iterable, Mapping, TextIO

from . import redact
from .exceptions import SpecError
from .schema import spec_schema

# The rule for the spec's envvars names (spec/schema.json), which secret ones follow too.
_NAME = re.compile(spec_schema().node("#/properties/envvars/propertyNames")["pattern"])


def check(secret_envvars: Any, envvars: Mapping[str, str]) -> dict[str, str]:
    """``secret_envvars`` as a dict, checked: names as for ``envvars`` and not among them, values strings.

    Raises
    ------
    SpecError
        Naming the key at fault (never a value).
    """
    if secret_envvars is None:
        return {}
    if not isinstance(secret_envvars, Mapping):
        raise SpecError(f"secret_envvars must be a dict of str -> str; got a {type(secret_envvars).__name__}")
    for key, value in secret_envvars.items():
        if not isinstance(key, str) or not _NAME.search(key):
            raise SpecError(f"secret_envvars: {key!r} is not a valid environment variable name (letters, "
                            "digits and _, not starting with a digit)")
        if key in envvars:
            raise SpecError(f"secret_envvars: {key} is also in envvars; give it once")
        if not isinstance(value, str):
            raise SpecError(f"secret_envvars: the value of {key} must be a str, not {type(value).__name__}")
        if "\0" in value:
            raise SpecError(f"secret_envvars: the value of {key} contains a NUL character")
    return dict(secret_envvars)


def to_json(secret_envvars: Mapping[str, str]) -> str | None:
    """The argument ``submit`` takes (None when there are none), kept out of py4j's DEBUG log."""
    if not secret_envvars:
        return None
    text = json.dumps(dict(secret_envvars))
    redact.register(text)
    for value in secret_envvars.values():
        if value:
            redact.register(value)
    return text


def read_values(names: Iterable[str], environ: Mapping[str, str] | None = None,
                stdin: TextIO | None = None) -> dict[str, str]:
    """``knit start --secret-envvar KEY``: each KEY's value from this process's environment, else one line of
    stdin (prompted for, not echoed, on a terminal) — never from argv.

    Raises
    ------
    SpecError
        If stdin ends before every value was read.
    """
    environ = os.environ if environ is None else environ
    stdin = sys.stdin if stdin is None else stdin
    out = {}
    for name in names:
        if name in environ:
            out[name] = environ[name]
        elif stdin.isatty():
            out[name] = getpass.getpass(f"{name}: ")
        else:
            line = stdin.readline()
            if not line:
                raise SpecError(f"--secret-envvar {name}: no value (set {name} in the environment or give it "
                                "as a line on stdin)")
            out[name] = line[:-1] if line.endswith("\n") else line
    return out
