"""The YARN daemons running on this machine and their log files (knit 0.2's ``YARNAPI.system_logs``).

A ResourceManager or NodeManager started by Hadoop's scripts runs ``java ... -Dyarn.log.dir=D -Dyarn.log.file=F
... org.apache.hadoop.yarn.server.<...>.ResourceManager``: its main class is one argument of its command line and
its log is ``D/F``. Only processes whose ``/proc/<pid>/cmdline`` this user may read are seen.
"""
from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path
from typing import Any, Iterator

#: Key prefix in :func:`daemon_logs`'s answer -> the daemon's main class.
DAEMONS = {"rm": "org.apache.hadoop.yarn.server.resourcemanager.ResourceManager",
           "nm": "org.apache.hadoop.yarn.server.nodemanager.NodeManager"}


def _command_lines(proc_root: Path) -> Iterator[tuple[int, list[str]]]:
    for entry in sorted(proc_root.iterdir(), key=lambda p: p.name):
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
        except OSError:  # the process ended meanwhile, or is not ours to read: not a daemon we can report
            continue
        yield int(entry.name), [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def _log_file(args: list[str]) -> str | None:
    props = dict(a[2:].split("=", 1) for a in args if a.startswith("-D") and "=" in a)  # the last one wins, as in Java
    if props.get("yarn.log.dir") and props.get("yarn.log.file"):
        return os.path.join(props["yarn.log.dir"], props["yarn.log.file"])
    return None


def daemon_logs(proc_root: str | os.PathLike = "/proc") -> dict[str, Any]:
    """``{"rm_pid", "rm_logfile", "nm_pid", "nm_logfile"}`` for the daemons found (a key is absent if not found;
    ``*_logfile`` is absent when the command line does not name the log)."""
    out: dict[str, Any] = {}
    for pid, args in _command_lines(Path(proc_root)):
        for key, main_class in DAEMONS.items():
            if main_class in args and f"{key}_pid" not in out:
                out[f"{key}_pid"] = pid
                log_file = _log_file(args)
                if log_file:
                    out[f"{key}_logfile"] = log_file
    return out


def _addresses(host: str) -> set[str]:
    try:
        return {str(info[4][0]) for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):  # a name that does not resolve has no address of ours
        return set()


def is_local_host(host: str) -> bool:
    """Whether ``host`` names this machine (a loopback address, or one of this host name's addresses)."""
    if not host:
        return False
    addresses = _addresses(host)
    if any(ipaddress.ip_address(a.split("%")[0]).is_loopback for a in addresses):
        return True
    ours = _addresses(socket.gethostname()) | _addresses(socket.getfqdn())
    return bool(addresses & ours)
