"""The install tier: what `python -m build` makes of the checkout, and what installs from it.

One build per session (``dists``), run with no JDK and no Maven reachable (``no_jdk_env``): the checkout's JARs
were built by ``scripts/setup.sh``, so neither the sdist nor the wheel built from it may need them.
"""
from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from install_helpers import BUILD_TOOLS, REPO, pom_version, run


@pytest.fixture(scope="session")
def no_jdk_env(tmp_path_factory) -> dict:
    """The environment with PATH reduced to every command on it except the JDK's and Maven's (one directory
    of links), and no JAVA_HOME / M2_HOME."""
    bindir = tmp_path_factory.mktemp("no-jdk-bin")
    for d in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(d):
            continue
        for name in os.listdir(d):
            target = os.path.join(d, name)
            if name in BUILD_TOOLS or (bindir / name).exists() or not os.access(target, os.X_OK):
                continue
            (bindir / name).symlink_to(target)
    env = {k: v for k, v in os.environ.items()
           if k not in ("JAVA_HOME", "M2_HOME", "MAVEN_HOME", "PYTHONDONTWRITEBYTECODE")}
    env["PATH"] = str(bindir)
    for tool in ("mvn", "javac", "java"):
        assert shutil.which(tool, path=env["PATH"]) is None, f"{tool} still reachable"
    return env


@dataclass
class Dists:
    sdist: Path
    wheel: Path  # built from the sdist, as `python -m build` does
    checkout_wheel: Path  # built from the checkout directly (`python -m build --wheel`)
    log: str  # what `python -m build` printed


@pytest.fixture(scope="session")
def dists(tmp_path_factory, no_jdk_env) -> Dists:
    out = tmp_path_factory.mktemp("dist")
    log = run([sys.executable, "-m", "build", "--outdir", out, REPO], env=no_jdk_env)
    direct = tmp_path_factory.mktemp("dist-checkout")
    run([sys.executable, "-m", "build", "--wheel", "--outdir", direct, REPO], env=no_jdk_env)
    version = pom_version()
    return Dists(sdist=out / f"knit-{version}.tar.gz", wheel=out / f"knit-{version}-py3-none-any.whl",
                 checkout_wheel=direct / f"knit-{version}-py3-none-any.whl", log=log)
