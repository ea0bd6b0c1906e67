"""What every ``knit`` subcommand shares: exit codes, ``--json`` or text output, logs as text, ``--conf-dir``."""
from __future__ import annotations

import argparse
import json
from typing import Any

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def print_result(args: argparse.Namespace, data: Any, text: str) -> None:
    """``data`` as JSON with ``--json``, else ``text``."""
    print(json.dumps(data, indent=2, sort_keys=True) if getattr(args, "json", False) else text)


def logs_text(logs: dict) -> str:
    """``{container: {file: text}}`` as readable text: each container's stdout and stderr under a header."""
    parts = []
    for cid, files in sorted(logs.items()):
        parts.append(f"### {cid} ###")
        for name, text in files.items():
            if isinstance(text, str) and name in ("stdout", "stderr"):  # --json has every file
                parts.append(f"## {name} ##\n{text.rstrip()}")
    return "\n".join(parts)


def conf_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The ``Knit``/``HadoopConf`` keywords ``--conf-dir`` asks for."""
    return {"conf_dir": args.conf_dir} if getattr(args, "conf_dir", None) else {}


def table(rows: list[dict], columns: list[str]) -> str:
    """Rows as aligned columns under upper-case headers; ``(none)`` when empty."""
    if not rows:
        return "(none)"
    cells = [[str(r.get(c, "") if r.get(c) is not None else "") for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.upper().ljust(w) for c, w in zip(columns, widths))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)
