"""HDFS as the test sees it, through WebHDFS (the HDFS superuser ``root`` of the local cluster): any file name,
owner and mode changes, raw reads. FsShell (``hadoop fs``) reads its arguments as URIs and globs (``#``, ``[``),
so it cannot name every file a user has."""
from __future__ import annotations

from typing import Any
from urllib.parse import quote

import requests

SUPERUSER = "root"


def _url(cluster: Any, path: str) -> str:
    return f"http://{cluster.webhdfs_address}/webhdfs/v1{quote(path, safe='/')}"


def _call(cluster: Any, method: str, path: str, op: str, **params: Any) -> requests.Response:
    r = requests.request(method, _url(cluster, path), params={"op": op, "user.name": SUPERUSER, **params},
                         timeout=60, allow_redirects=False)
    if r.status_code == 307:  # CREATE / OPEN go on at a DataNode
        return r
    r.raise_for_status()
    return r


def put(cluster: Any, path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` (parents made, overwriting)."""
    r = _call(cluster, "PUT", path, "CREATE", overwrite="true")
    requests.put(r.headers["Location"], data=data, timeout=120).raise_for_status()


def read(cluster: Any, path: str) -> bytes:
    r = _call(cluster, "GET", path, "OPEN")
    out = requests.get(r.headers["Location"], timeout=300)
    out.raise_for_status()
    return out.content


def mkdir(cluster: Any, path: str, mode: str = "700") -> None:
    _call(cluster, "PUT", path, "MKDIRS", permission=mode)


def chown(cluster: Any, path: str, owner: str) -> None:
    _call(cluster, "PUT", path, "SETOWNER", owner=owner)


def chmod(cluster: Any, path: str, mode: str) -> None:
    _call(cluster, "PUT", path, "SETPERMISSION", permission=mode)


def delete(cluster: Any, path: str) -> None:
    _call(cluster, "DELETE", path, "DELETE", recursive="true")


def listing(cluster: Any, path: str) -> dict[str, dict]:
    """``{name: FileStatus}`` of a directory; {} when it does not exist."""
    r = requests.get(_url(cluster, path), params={"op": "LISTSTATUS", "user.name": SUPERUSER}, timeout=60)
    if r.status_code == 404:
        return {}
    r.raise_for_status()
    return {s["pathSuffix"]: s for s in r.json()["FileStatuses"]["FileStatus"]}


def files_under(cluster: Any, path: str) -> list[str]:
    """Every file below ``path``, recursively."""
    out = []
    for name, st in listing(cluster, path).items():
        child = f"{path.rstrip('/')}/{name}"
        out.extend(files_under(cluster, child) if st["type"] == "DIRECTORY" else [child])
    return out


def path_of(uri: str) -> str:
    """``hdfs://nn:port/a/b`` -> ``/a/b``."""
    return "/" + uri.split("://", 1)[1].split("/", 1)[1] if "://" in uri else uri
