"""The facts Python and Java must agree on, each written once in a data file of this directory.

Maven packs these files into ``knit.jar`` (as ``/org/knit/shared/<name>``, read by
``org.knit.common.SharedFiles``); Python reads them from here. Java unit tests tie them to the enums they
name (Hadoop's ``YarnApplicationState``, ``FinalApplicationStatus``, ``LogAggregationStatus`` and Knit's
``ContainerTracker.State``), so a state known to one side only makes a test fail.

- ``states.json``: the YARN states Knit compares against, and its own container states (:mod:`knit.states`).
- ``java17-options.txt``: the JVM options Hadoop 3.4 needs on Java 9+ (:mod:`knit.hadoop_jvm`).
- ``names.json``: ``deps_dir``, the name of the HDFS directory of shared uploads under the user's home;
  ``debug_log_files``, the files the NodeManager adds to a container's logs for debugging (the launch script,
  the working directory's listing), which ``Knit.logs()`` leaves out unless asked; ``default_log_tail``, the
  bytes of each log file it returns by default (the end); ``truncated_log_note``, the line that starts a log
  of which only the end is shown.
  ``principal_conf`` and ``keytab_conf``, the configuration entries (in a spec's ``conf`` and the client JVM's
  overrides) that name the Kerberos principal and keytab a client logs in with.
- ``schema.json``: the application spec (``spec/schema.json`` in the source tree; :mod:`knit.schema`,
  ``org.knit.spec.Schema``), with its examples in ``spec/examples`` run by both test suites.
- ``cli.json``: the options of ``knit start`` and ``hadoop jar knit.jar`` (:mod:`knit.cli_start`,
  ``org.knit.client.CliOptions``).
- ``gateway.json``: the gateways' limits before authentication (``org.knit.common.GuardedServerSocket``) and
  the longest the AM holds a call while it starts (``ready_wait_s``, whence :mod:`knit.master_gateway`'s
  default ``control_timeout``).
"""
from __future__ import annotations

import json
from importlib import resources
from typing import Any


def read_text(name: str) -> str:
    """The content of one shared file."""
    return (resources.files(__name__) / name).read_text(encoding="utf-8")


def read_json(name: str) -> Any:
    """One shared JSON file, parsed."""
    return json.loads(read_text(name))


def read_lines(name: str) -> list[str]:
    """The lines of one shared text file, without blank lines and ``#`` comments."""
    stripped = (line.strip() for line in read_text(name).splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


#: Shared, cached uploads live in ``<hdfs home>/<DEPS_DIR_NAME>`` unless the spec says otherwise.
DEPS_DIR_NAME: str = read_json("names.json")["deps_dir"]
#: Log files the NodeManager adds for debugging (yarn.nodemanager.log-container-debug-info.enabled).
DEBUG_LOG_FILES: tuple[str, ...] = tuple(read_json("names.json")["debug_log_files"])
#: Bytes of each log file ``Knit.logs()`` returns unless ``tail=`` says otherwise (the end of the file).
DEFAULT_LOG_TAIL: int = read_json("names.json")["default_log_tail"]
#: Starts a log of which only the end is shown: ``.format(omitted=..., length=...)``.
TRUNCATED_LOG_NOTE: str = read_json("names.json")["truncated_log_note"]
#: Configuration entries naming the Kerberos identity a client logs in with (``Knit(principal=, keytab=)``).
PRINCIPAL_CONF: str = read_json("names.json")["principal_conf"]
KEYTAB_CONF: str = read_json("names.json")["keytab_conf"]
