"""Whether a process of this machine is alive (the local cluster's JVM, a client JVM's Python)."""
from __future__ import annotations

import os
from typing import Any


def pid_alive(pid: Any) -> bool:
    """Whether ``pid`` names a live process (one of another user counts); anything but an int does not."""
    if not isinstance(pid, int):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
