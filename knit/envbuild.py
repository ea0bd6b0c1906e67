"""Building an environment with conda / mamba / micromamba, or ``python -m venv`` + pip, and zipping it.

Relocation. An environment runs from ``$PWD/<name>/<root>`` in a container, not from where it was built.
Conda environments are self-contained: their Python finds its prefix relative to itself. Environments built
with ``venv`` + pip (and any venv you zip) hold a copy of the interpreter and a ``pyvenv.cfg`` whose ``home``
names the base Python they were made from: **that base Python must exist at the same path on every node** (true
for the local cluster, where nodes are this machine; on a real cluster use a conda tool, or conda-pack/venv-pack
archives built for the nodes). Entry points are made relocatable by :mod:`knit.relocate`, and the relocated
environment is run once here before it is zipped.

Built zips are cached by (name, packages, channels, tool, Python, recipe) in ``<cache>/built``; a failed build
leaves nothing.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

from . import compat
from .archives import PathLike, inspect_archive, remember_validated
from .cache import cache_root
from .condaspec import check_python_constraint, conda_specs_to_pip
from .exceptions import EnvBuildError, SpecError
from .progress import Activity, Task
from .relocate import add_dask_scripts, rewrite_shebangs
from .zipdir import zip_directory, zip_env_dir

log = logging.getLogger(__name__)

#: Tools :class:`CondaCreator` looks for on PATH, in this order.
CONDA_TOOLS = ("conda", "mamba", "micromamba")

#: How built environments are made; part of their cache key, so a change of recipe builds afresh.
_RECIPE = 3  # 3: zip entries keep their mtimes to the second (extended timestamps)


def _build_environ(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment for a build tool, without ``PYTHONPATH``/``PYTHONHOME``: they would make the new
    environment's Python (its ``pip install``, ``pip check``) see this process's packages — a source checkout's
    ``knit.egg-info`` made ``pip check`` fail on knit's dependencies — and the zip would not hold what it ran with."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(extra or {})
    return env


def _run(cmd: Sequence[str], what: str, activity: Task | None = None, **kw) -> subprocess.CompletedProcess:
    """Run a build command; raise EnvBuildError with the tool's own output when it fails.

    With an ``activity`` that is shown, the tool's output (stderr merged into stdout) is read as it comes and its
    latest line becomes the activity's phase, so a build that takes minutes shows what it is doing.
    """
    log.info("%s: %s", what, " ".join(cmd))
    kw["env"] = _build_environ(kw.get("env"))
    if activity is None or activity.mode is None:  # nobody watches: keep stdout and stderr apart
        proc = subprocess.run(list(cmd), capture_output=True, text=True, **kw)
    else:
        proc = _run_streaming(cmd, what, activity, **kw)
    if proc.returncode != 0:
        output = ((proc.stderr or "").strip() + "\n" + proc.stdout.strip()).strip()
        raise EnvBuildError(f"{what} failed (exit code {proc.returncode}): {' '.join(cmd)}\n"
                            f"{output[-4000:]}")
    return proc


def _run_streaming(cmd: Sequence[str], what: str, activity: Task, **kw) -> subprocess.CompletedProcess:
    activity.update(phase=what)
    lines = []
    with subprocess.Popen(list(cmd), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          **kw) as proc:
        for line in proc.stdout:
            lines.append(line)
            if line.strip():
                activity.update(phase=f"{what}: {line.strip()}")
    return subprocess.CompletedProcess(list(cmd), proc.returncode, "".join(lines), None)


class CondaCreator:
    """Build an environment with conda / mamba / micromamba, or venv + pip, and zip it.

    Parameters
    ----------
    conda_root : str, optional
        A conda installation (the directory holding ``bin/conda``) or the tool's executable.
    conda_envs : str, optional
        A directory of named environments (knit 0.2): :meth:`create_env` with no packages re-uses
        ``<conda_envs>/<name>``, and when given, environments built here are also kept there, unzipped.
        The attribute is always a path (default ``~/.cache/knit/conda-envs``).
    miniconda_url : str, optional
        knit 0.2's Miniconda download: ignored with a warning (no tool on PATH means pip).
    channels : list of str, optional
        Channels for conda tools; for pip, URL channels become ``--extra-index-url``.
    conda_pkgs : str, optional
        ``CONDA_PKGS_DIRS`` for the conda tool (its package cache), as in knit 0.2.
    tool : {'conda', 'mamba', 'micromamba', 'pip'}, optional
        Default: ``conda_root`` if given, else the first of conda, mamba, micromamba on PATH,
        else pip.
    cache_dir : str, optional
        Where built zips are kept (default ``~/.cache/knit/built``).
    python : str, optional
        The interpreter that builds pip envs (default: the running one).
    """

    def __init__(self, conda_root: str | None = None, conda_envs: PathLike | None = None,
                 miniconda_url: str | None = None, channels: Sequence[str] | None = None,
                 conda_pkgs: PathLike | None = None, tool: str | None = None, cache_dir: PathLike | None = None,
                 python: str | None = None) -> None:
        conda_envs, channels, miniconda_url, tool = compat.creator_args(conda_envs, channels, miniconda_url, tool,
                                                                         CONDA_TOOLS + ("pip",))
        compat.warn_ignored(miniconda_url=miniconda_url)
        if tool is not None and tool not in CONDA_TOOLS + ("pip",):
            raise SpecError(f"tool must be one of {CONDA_TOOLS + ('pip',)}, not {tool!r}")
        self.conda_root = conda_root
        self.channels = list(channels or [])
        self.tool, self.executable = self._resolve_tool(tool, conda_root)
        self.cache_dir = Path(cache_dir) if cache_dir else cache_root() / "built"
        self.python = python or sys.executable
        self.keep_envs = conda_envs is not None
        self.conda_envs = str(Path(conda_envs).expanduser() if conda_envs else cache_root() / "conda-envs")
        self.conda_pkgs = str(conda_pkgs) if conda_pkgs else None

    @staticmethod
    def _resolve_tool(tool: str | None, conda_root: str | None) -> tuple[str, str | None]:
        if tool == "pip":
            return "pip", None
        if conda_root:
            root = Path(conda_root).expanduser()
            names = [tool] if tool else list(CONDA_TOOLS)
            if root.is_file() and os.access(root, os.X_OK):
                return tool or _tool_name(root.name), str(root)
            for sub in ("bin", "condabin", ""):
                for name in names:
                    exe = root / sub / name
                    if exe.is_file() and os.access(exe, os.X_OK):
                        return name, str(exe)
            raise SpecError(f"conda_root {conda_root!r} holds no executable {'/'.join(names)}")
        for name in ([tool] if tool else CONDA_TOOLS):
            exe = shutil.which(name)
            if exe:
                return name, exe
        if tool:
            raise SpecError(f"tool={tool!r} but no {tool} executable is on PATH; "
                            "give conda_root= or use tool='pip'")
        return "pip", None

    def _key(self, env_name: str, packages: Sequence[str], channels: Sequence[str]) -> str:
        parts = {"env_name": env_name, "packages": list(packages), "channels": list(channels),
                 "tool": self.tool, "recipe": _RECIPE}
        if self.tool == "pip":
            parts["python"] = [self.python, _python_version(self.python)]
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]

    def zip_path(self, env_name: str, packages: Sequence[str],
                 channels: Sequence[str] | None = None) -> Path:
        """Where the zip for these arguments is (or will be) cached."""
        chans = self.channels if channels is None else list(channels)
        return self.cache_dir / self._key(env_name, packages, chans) / f"{env_name}.zip"

    def create_env(self, env_name: str, packages: Sequence[str] | None = None,
                   channels: Sequence[str] | None = None, remove: bool = False) -> str:
        """Build ``env_name`` with ``packages`` and return the path of its zip (cached).

        Parameters
        ----------
        env_name : str
            Name of the environment: the zip is ``<env_name>.zip`` with ``<env_name>/`` at its top.
        packages : list of str, optional
            Conda-style specs (``'python=3'``, ``'dask'``, ``'numpy=1.26'``); translated for pip. Without
            them, the environment of that name is re-used (as in knit 0.2): the directory
            ``<conda_envs>/<env_name>`` zipped (cached while unchanged), else the zip this creator's tool last
            built under that name.
        channels : list of str, optional
            Overrides the creator's channels.
        remove : bool
            Rebuild even when a zip for the same arguments is cached.

        Raises
        ------
        SpecError
            Bad arguments, or a ``python=`` spec pip cannot meet (before building anything); no packages and
            no environment of that name.
        EnvBuildError
            The tool failed; its message is included and nothing half-built is left.
        """
        if not re.fullmatch(r"[A-Za-z0-9._\-]+", env_name or ""):
            raise SpecError(f"env_name {env_name!r} must be a plain name (letters, digits, ._-)")
        if packages is None or (not isinstance(packages, str) and len(packages) == 0):
            return self.find_env_zip(env_name)
        if isinstance(packages, str):
            raise SpecError("packages must be a non-empty list, e.g. ['python=3', 'dask']")
        chans = self.channels if channels is None else list(channels)
        if self.tool == "pip":
            _, python = conda_specs_to_pip(packages)
            check_python_constraint(python, _python_version(self.python), self.python)
        dest = self.zip_path(env_name, packages, chans)
        if dest.exists() and not remove:
            log.info("re-using built environment %s", dest)
            return str(dest)
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".build-{env_name}-", dir=self.cache_dir))
        try:
            with Activity(f"creating environment {env_name} ({self.tool})") as activity:
                tmp_zip = self._build_and_zip(work, env_name, packages, chans, activity)
            if self.keep_envs:
                _replace_dir(work / "relocated" / env_name, Path(self.conda_envs) / env_name)
            dest.parent.mkdir(parents=True, exist_ok=True)
            (dest.parent / "request.json").write_text(json.dumps(
                {"env_name": env_name, "packages": list(packages), "channels": chans,
                 "tool": self.tool}, indent=1))
            os.replace(tmp_zip, dest)  # the only step that makes a result visible
            # Written here and checked by running it: its first use need not read every member again.
            remember_validated(dest, inspect_archive(dest, full_check=False))
        finally:
            shutil.rmtree(work)
        return str(dest)

    def find_env(self, env_name: str) -> str | None:
        """``<conda_envs>/<env_name>`` if that directory exists (knit 0.2), else None."""
        path = Path(self.conda_envs) / env_name
        return str(path) if path.is_dir() else None

    def find_env_zip(self, env_name: str) -> str:
        """The zip of the environment named ``env_name``: ``<conda_envs>/<env_name>`` zipped (cached while it is
        unchanged), else the newest zip this creator's tool built under that name.

        Raises
        ------
        SpecError
            There is neither.
        """
        found = self.find_env(env_name)
        if found:
            return str(zip_env_dir(found))
        built = []
        for request in self.cache_dir.glob("*/request.json"):
            info = json.loads(request.read_text())
            candidate = request.parent / f"{env_name}.zip"
            if info.get("env_name") == env_name and info.get("tool") == self.tool and candidate.is_file():
                built.append((candidate.stat().st_mtime, str(candidate)))
        if built:
            return max(built)[1]
        raise SpecError(f"no environment named {env_name!r}: none in {self.conda_envs} and none built by "
                        f"{self.tool} in {self.cache_dir}; give packages=[...] to build it")

    def _build_and_zip(self, work: Path, env_name: str, packages: Sequence[str],
                       channels: Sequence[str], activity: Task) -> Path:
        """Build in ``work``, relocate, check, and zip; return the zip (still inside ``work``)."""
        built = work / "build" / env_name
        built.parent.mkdir()
        if self.tool == "pip":
            self._build_pip(built, conda_specs_to_pip(packages)[0], channels, activity)
        else:
            self._build_conda(built, packages, channels, activity)
        activity.update(phase="relocating")
        prefix = self._relocate(built, work / "relocated" / env_name)
        activity.update(phase="zipping")
        tmp_zip = work / f"{env_name}.zip"
        zip_directory(prefix, tmp_zip, root=env_name)
        return tmp_zip

    def _build_conda(self, prefix: Path, packages: Sequence[str], channels: Sequence[str],
                     activity: Task) -> None:
        cmd = [self.executable, "create", "--yes", "--prefix", str(prefix)]
        for ch in channels:
            cmd += ["--channel", ch]
        env = {"CONDA_PKGS_DIRS": self.conda_pkgs} if self.conda_pkgs else None
        _run(cmd + list(packages), f"{self.tool} create", activity, env=env)

    def _build_pip(self, prefix: Path, reqs: Sequence[str], channels: Sequence[str],
                   activity: Task) -> None:
        # --copies: bin/python is a real file, not a symlink YARN's unzip would turn into text.
        _run([self.python, "-m", "venv", "--copies", str(prefix)], "python -m venv", activity)
        if not reqs:
            return
        cmd = [str(prefix / "bin" / "python"), "-m", "pip", "install", "--no-input",
               "--disable-pip-version-check"]
        for ch in channels:
            if re.match(r"^(https?|file)://", ch):
                cmd += ["--extra-index-url", ch]
            else:
                log.warning("pip ignores the conda channel %r", ch)
        _run(cmd + list(reqs), "pip install", activity)

    def _relocate(self, built: Path, target: Path) -> Path:
        """Move the env elsewhere, fix its scripts, and check that it still runs from there."""
        target.parent.mkdir(parents=True)
        os.rename(built, target)
        add_dask_scripts(target)
        rewrite_shebangs(target)
        python = target / "bin" / "python"
        proc = _run([str(python), "-c", "import sys; print(sys.prefix)"],
                    "checking the relocated environment")
        if os.path.realpath(proc.stdout.strip()) != os.path.realpath(target):
            raise EnvBuildError(f"the relocated environment's Python reports sys.prefix "
                                f"{proc.stdout.strip()!r}, not {target}; it would not run "
                                "from its container")
        if self.tool == "pip" and (target / "bin" / "pip").exists():
            _run([str(target / "bin" / "pip"), "check"], "pip check in the relocated environment")
        return target


def _replace_dir(src: Path, dest: Path) -> None:
    """Move a built environment to ``dest``, replacing what was there (moved beside it first, then renamed)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        shutil.move(str(src), str(tmp / dest.name))
        if dest.exists():
            shutil.rmtree(dest)
        os.replace(tmp / dest.name, dest)
    finally:
        shutil.rmtree(tmp)


def _tool_name(filename: str) -> str:
    return next((t for t in CONDA_TOOLS if filename.startswith(t)), "conda")


def _python_version(python: str) -> str:
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        return "%d.%d.%d" % sys.version_info[:3]
    proc = _run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                "asking the build Python its version")
    return proc.stdout.strip()


def create_env(env_name: str, packages: Sequence[str] | None = None, channels: Sequence[str] | None = None,
               remove: bool = False, tool: str | None = None, conda_root: str | None = None,
               cache_dir: PathLike | None = None, **creator: Any) -> str:
    """Build an environment (or re-use it by name, without packages) and return the path of its zip; see
    :meth:`CondaCreator.create_env`. ``creator`` holds more :class:`CondaCreator` arguments (``conda_envs`` ...)."""
    creator_ = CondaCreator(conda_root=conda_root, channels=channels, tool=tool, cache_dir=cache_dir, **creator)
    return creator_.create_env(env_name, packages, remove=remove)
