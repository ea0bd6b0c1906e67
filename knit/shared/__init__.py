"""The facts Python and Java must agree on, each written once in a data file of this directory.

Maven packs these files into ``knit.jar`` (as ``/org/knit/shared/<name>``, read by
``org.knit.common.SharedFiles``); Python reads them from here. Java unit tests tie them to the enums they
name (Hadoop's ``YarnApplicationState``, ``FinalApplicationStatus``, ``LogAggregationStatus`` and Knit's
``ContainerTracker.State``), so a state known to one side only makes a test fail.

- ``states.json``: the YARN states Knit compares against, and its own container states (:mod:`knit.states`).
- ``java17-options.txt``: the JVM options Hadoop 3.4 needs on Java 9+ (:mod:`knit.hadoop_jvm`).
- ``names.json``: ``deps_dir``, the name of the HDFS directory of shared uploads under the user's home.
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
