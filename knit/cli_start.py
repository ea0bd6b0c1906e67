"""``knit start``: the options table both command lines share, turned into an argparse parser and a spec.

``knit/shared/cli.json`` (``spec/cli.json``) lists every option of ``knit start`` and of ``hadoop jar
knit.jar`` (``org.knit.client.CliOptions`` reads the same file); an option that sets a spec field takes its help,
default and value type from the spec's schema. Both build the application spec the same way: the ``--spec``
file, then each flag over it, then one validation, so an error names the spec field (and the flag that set it).
"""
from __future__ import annotations

import argparse
import functools
import json
import re
import sys
import time
from typing import Any, Mapping

from . import env as envs, secret_envvars, secret_files
from .cli_output import EXIT_FAILED, EXIT_OK, conf_kwargs, logs_text, print_result
from .exceptions import KnitException, SpecError
from .schema import spec_schema
from .shared import read_json
from .states import FinalStatus
from .spec import AppSpec


@functools.lru_cache(maxsize=1)
def cli_table() -> dict:
    """The shared options table (``knit/shared/cli.json``)."""
    return read_json("cli.json")


def spec_node(path: str) -> Mapping[str, Any]:
    """The schema of the spec field at ``path`` (``containers.count``), ``$ref`` resolved."""
    schema = spec_schema()
    return schema.resolve(schema.node("#" + "".join(f"/properties/{p}" for p in path.split("."))))


def kind(opt: Mapping[str, Any]) -> str:
    """How an option's value is read: integer, number, string, boolean, array, object or entry."""
    if "client" in opt:
        return opt["type"]
    if "entry" in opt:
        return "entry"
    types = spec_node(opt["spec"])["type"]
    return next(t for t in (types if isinstance(types, list) else [types]) if t != "null")


def help_text(opt: Mapping[str, Any]) -> str:
    """The option's help: its own, or the spec field's description and default."""
    if "help" in opt:
        return opt["help"]
    schema = spec_schema()
    node = schema.node("#" + "".join(f"/properties/{p}" for p in opt["spec"].split(".")))
    described = node.get("description") or schema.resolve(node).get("description", "")
    default = node.get("default")
    shown = default is not None and not isinstance(default, bool) and default not in ("", [], {})
    return f"{described} (default: {default})" if shown else described


# Literals as both command lines read them (org.knit.client.Client has the same two): no spaces, no "1_000",
# no "inf" or "nan", which int() and float() would take and Java would not.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def _integer(value: str) -> int:
    if not _INTEGER.fullmatch(value):
        raise argparse.ArgumentTypeError(f"must be an integer; got {value!r}")
    return int(value)


def _number(value: str) -> float:
    if not _NUMBER.fullmatch(value):
        raise argparse.ArgumentTypeError(f"must be a number; got {value!r}")
    return float(value)


class _Deprecated(argparse.Action):
    """A deprecated spelling: warns, then does what the option it stands for does."""

    def __init__(self, option_strings, dest, replacement: str, mode: str, value: Any = None,
                 split: str | None = None, note: str | None = None, **kwargs: Any):
        super().__init__(option_strings, dest, nargs=0 if mode == "const" else None, **kwargs)
        self.replacement, self.mode, self.value, self.split, self.note = replacement, mode, value, split, note

    def __call__(self, parser, namespace, values, option_string=None):
        note = f" ({self.note})" if self.note else ""
        print(f"knit: {option_string} is deprecated; use {self.replacement}{note}", file=sys.stderr)
        if self.mode == "const":
            setattr(namespace, self.dest, self.value)
        elif self.mode == "append":
            items = values.split(self.split) if self.split else [values]
            setattr(namespace, self.dest, (getattr(namespace, self.dest) or []) + [v for v in items if v])
        else:
            setattr(namespace, self.dest, values)


def _dest(opt: Mapping[str, Any]) -> str:
    return opt.get("client") or opt["spec"]


def _add_option(p: argparse.ArgumentParser, opt: Mapping[str, Any]) -> None:
    k = kind(opt)
    kwargs: dict[str, Any] = {"dest": _dest(opt), "help": help_text(opt), "default": None}
    if k == "boolean":
        kwargs.update(action="store_const", const=True)
    else:
        kwargs["metavar"] = opt.get("metavar")
        if "nargs" in opt:
            kwargs.update(action="extend", nargs=opt["nargs"])
        elif k in ("array", "object"):
            kwargs["action"] = "append"
        kwargs["type"] = {"integer": _integer, "number": _number}.get(k, str)
    p.add_argument(*[n for n in (opt.get("short"), opt["flag"]) if n], **kwargs)
    if opt.get("positional"):
        p.add_argument("positional_" + _dest(opt), nargs="?", metavar=opt["metavar"],
                       help=f"{help_text(opt)} (or {opt['flag']} {opt['metavar']})")
    for alias in opt.get("aliases", ()):
        mode = "const" if k == "boolean" else "append" if kwargs.get("action") in ("append", "extend") else "store"
        p.add_argument(alias["flag"], dest=_dest(opt), help=argparse.SUPPRESS, action=_Deprecated,
                       replacement=opt["flag"], mode=mode, value=alias.get("value", True),
                       split=alias.get("split"), note=alias.get("note"))


def add_start_command(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``knit start``, every option from the shared table."""
    table = cli_table()
    p = sub.add_parser("start", help="run a command in YARN containers (waits for it to end unless --detached)",
                       description=table["description"], epilog=table["epilog"], allow_abbrev=False,
                       usage=f"knit start {table['usage']}")
    for opt in table["options"]:
        _add_option(p, opt)
    p.set_defaults(func=run)
    return p


# -- the spec a command line asks for ----------------------------------------------------------------------------

def _read_spec_file(path: str) -> dict:
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, parse_constant=_no_constant)
    except OSError as e:
        raise SpecError(f"--spec {path}: {e.strerror}") from None
    except ValueError as e:
        raise SpecError(f"--spec {path} is not valid JSON: {e}") from None
    if not isinstance(doc, dict):
        raise SpecError(f"--spec {path} must hold a JSON object (an application spec); got {type(doc).__name__}")
    return doc


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def _put(doc: dict, path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        doc = doc.setdefault(part, {})
        if not isinstance(doc, dict):
            return  # the file's value is of the wrong type: validation names it
    doc[last] = value


def _pair(flag: str, text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise SpecError(f"{flag} {text!r}: expected KEY=VALUE")
    return key, value


def _apply(doc: dict, opt: Mapping[str, Any], value: Any) -> None:
    path, k = opt["spec"], kind(opt)
    if opt.get("entry") == "env":
        doc["env"] = envs.prepare_env(value)
    elif opt.get("entry") == "file":
        _extend(doc, path, envs.prepare_files(value))
    elif k == "array":
        _extend(doc, path, value)
    elif k == "object":
        entries = doc.setdefault(path, {})
        if isinstance(entries, dict):
            entries.update(_pair(opt["flag"], v) for v in value)
    else:
        _put(doc, path, value)


def _extend(doc: dict, path: str, items: list) -> None:
    *parents, last = path.split(".")  # containers.names sits one level down
    for part in parents:
        doc = doc.setdefault(part, {})
        if not isinstance(doc, dict):
            return  # the file's value is of the wrong type: validation names it
    current = doc.setdefault(last, [])
    if isinstance(current, list):
        current.extend(items)


def spec_document(args: argparse.Namespace) -> tuple[dict, dict[str, str]]:
    """The spec document ``args`` ask for (the ``--spec`` file, then the flags) and ``{spec path: flag}``."""
    doc = _read_spec_file(args.spec) if getattr(args, "spec", None) else {}
    set_by: dict[str, str] = {}
    for opt in cli_table()["options"]:
        if "spec" not in opt:
            continue
        value = getattr(args, _dest(opt))
        positional = getattr(args, "positional_" + _dest(opt), None) if opt.get("positional") else None
        if value is not None and positional is not None:
            raise SpecError(f"give {opt['metavar']} once: as an argument or with {opt['flag']}", field=opt["spec"])
        value = positional if value is None else value
        if value is not None:
            _apply(doc, opt, value)
            set_by[opt["spec"]] = opt["flag"]
    return doc, set_by


def build_spec(args: argparse.Namespace) -> AppSpec:
    """The :class:`AppSpec` a command line asks for; a SpecError names the flag that set the bad field."""
    doc, set_by = spec_document(args)
    try:
        return AppSpec.from_dict(doc)
    except SpecError as e:
        flag = next((f for p, f in set_by.items() if e.field and _within(e.field, p)), None)
        if flag is None:
            raise
        raise SpecError(f"{flag}: {e}", field=e.field) from None


def _within(field: str, path: str) -> bool:
    """``tags[0]``, ``containers.memory``, ``envvars["A"]`` are within ``tags``, ``containers.memory``, ``envvars``."""
    return field == path or field.startswith((path + ".", path + "["))


# -- running it -----------------------------------------------------------------------------------------------

def run(args: argparse.Namespace) -> int:
    """``knit start``: build the spec, then print it (``--dry-run``), submit it, or run it to its end."""
    from .core import Knit
    spec = build_spec(args)
    k = Knit(**conf_kwargs(args), pars=spec.conf or None, principal=args.principal, keytab=args.keytab)
    if args.dry_run:
        print(json.dumps(k.prepare(spec).to_dict(), indent=2, sort_keys=True, ensure_ascii=False))
        return EXIT_OK
    secrets = secret_envvars.read_values(args.secret_envvars or [])
    files = secret_files.read_paths(args.secret_files or [])
    app_id = k.submit(spec, checks=not args.no_checks, secret_envvars=secrets, secret_files=files)
    return _follow(k, app_id, args, spec.detached)


def _follow(k: Any, app_id: str, args: argparse.Namespace, detached: bool) -> int:
    if detached:
        print_result(args, {"app_id": app_id}, app_id)
        return EXIT_OK
    if not args.json:
        print(f"{app_id} submitted; waiting for it to finish (Ctrl-C kills it)", file=sys.stderr)
    try:
        deadline = None if args.timeout is None else time.monotonic() + args.timeout
        while not k.wait_for_completion(5):
            if deadline is not None and time.monotonic() > deadline:
                k.kill()
                raise KnitException(f"{app_id} did not finish within --timeout {args.timeout:g} s; killed it")
    except KeyboardInterrupt:
        k.kill()
        print(f"\n{app_id} killed", file=sys.stderr)
        return 130
    report = k.report()
    data = {"app_id": app_id, "state": report.get("state"), "final_status": report.get("final_status"),
            "diagnostics": report.get("diagnostics")}
    if args.logs:
        data["logs"] = k.logs()
    text = f"{app_id} {data['state']} {data['final_status']}" + (
        f"\n{data['diagnostics']}" if data["diagnostics"] else "")
    if args.logs and not args.json:
        text += "\n" + logs_text(data["logs"])
    print_result(args, data, text)
    return EXIT_OK if data["final_status"] == FinalStatus.SUCCEEDED else EXIT_FAILED
