"""``secret_files=``: files whose content is secret (TLS keys, tokens), put in every container's working directory.

Their content travels apart from the spec (``ClientEntryPoint.submit``, over the client JVM's loopback
gateway, kept out of py4j's DEBUG log); the client JVM writes them only into the application's staging dir
(``secret-files/``, mode 0600 in a 0700 dir) and the AM localizes each as an APPLICATION resource (the
NodeManager keeps it in the user's application cache and deletes it with the application). So they are in no
spec, argv, environment or log, nor in the shared deps dir or a node's cache once the application has ended.
Messages here name files, never content.
"""
from __future__ import annotations

import base64
import json
import re
from typing import Any, Mapping

from . import redact
from .exceptions import SpecError

#: A plain file name (what ``org.knit.common.SecretFiles`` accepts): no path, no leading dot.
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


def check(secret_files: Any, taken: "set[str] | frozenset[str]" = frozenset()) -> dict[str, bytes]:
    """``secret_files`` as ``{name: bytes}``, checked: plain names, not in ``taken`` (the spec's link names),
    content ``str`` (UTF-8) or ``bytes``.

    Raises
    ------
    SpecError
        Naming the file at fault.
    """
    if secret_files is None:
        return {}
    if not isinstance(secret_files, Mapping):
        raise SpecError(f"secret_files must be a dict of file name -> str or bytes; got a "
                        f"{type(secret_files).__name__}")
    out = {}
    for name, content in secret_files.items():
        if not isinstance(name, str) or not NAME.match(name):
            raise SpecError(f"secret_files: {name!r} is not a plain file name (letters, digits, '.', '_', '-'; "
                            "not starting with '.'; at most 64 characters)")
        if name in taken:
            raise SpecError(f"secret_files: {name!r} is also the name of one of the files or the env; give "
                            "each name once")
        if not isinstance(content, (str, bytes)):
            raise SpecError(f"secret_files: the content of {name!r} must be str or bytes, not "
                            f"{type(content).__name__}")
        out[name] = content.encode() if isinstance(content, str) else bytes(content)
    return out


def to_json(secret_files: Mapping[str, bytes]) -> str | None:
    """``submit``'s third argument (None when there are none); each content is registered with
    :mod:`knit.redact`, raw and encoded."""
    if not secret_files:
        return None
    encoded = {name: base64.b64encode(content).decode() for name, content in secret_files.items()}
    for name, value in encoded.items():
        redact.register(value)
        redact.register(secret_files[name].decode(errors="replace"))
    return json.dumps({"secret_files": encoded})


def read_paths(options: list[str]) -> dict[str, bytes]:
    """``knit start --secret-file NAME=PATH``: each NAME's content read from local file PATH (the path is in
    argv, the content never is).

    Raises
    ------
    SpecError
        For an option without ``=`` or a file that cannot be read.
    """
    out: dict[str, bytes] = {}
    for option in options:
        name, eq, path = option.partition("=")
        if not eq or not name or not path:
            raise SpecError(f"--secret-file takes NAME=PATH (a file name in the containers, a local file); got "
                            f"{option!r}")
        try:
            with open(path, "rb") as f:
                out[name] = f.read()
        except OSError as e:
            raise SpecError(f"--secret-file {name}: cannot read {path}: {e.strerror}") from None
    return out


def read(app_id: str, name: str, conf_json: str) -> bytes:
    """The content of one of a running application's secret files, from its staging dir (client JVM)."""
    from . import gateway  # py4j only when asked

    answer = gateway.client().call("secretFile", app_id, name, conf_json)
    return base64.b64decode(json.loads(answer)["secret_file"])
