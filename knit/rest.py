"""HTTP to YARN's REST APIs: one session, timeouts, retries on connection errors only, ResourceManager HA.

The RMs are tried in order; a standby RM (it answers with a redirect, or with "This is standby RM") is passed
over, and the client sticks to the RM that answered until it stops answering. A read timeout is never retried
(the RM may have acted on the request). Errors carry the RM's RemoteException; an HTML or proxy page, or a 401,
is a :class:`~knit.exceptions.YARNError` that says so.
"""
from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from . import kerberos as krb
from .conf import HadoopConf
from .exceptions import (ApplicationNotFound, AuthenticationError, ConfigError, KerberosError, PermissionDenied,
                         YARNError)
from .hadoop_xml import login_user

logger = logging.getLogger(__name__)

_STANDBY = re.compile(r"This is standby RM", re.IGNORECASE)
_TITLE = re.compile(r"<title>\s*(.*?)\s*</title>", re.IGNORECASE | re.DOTALL)


def yarn_error(message: str, response: requests.Response | None = None,
               remote: Mapping[str, Any] | None = None, cls: type[YARNError] = YARNError) -> YARNError:
    """A ``YARNError`` (or ``cls``) carrying the HTTP status and the RM's RemoteException, if any."""
    err = cls(message)
    err.status_code = None if response is None else response.status_code  # type: ignore[attr-defined]
    err.remote_exception = dict(remote) if remote else None  # type: ignore[attr-defined]
    return err


class RESTClient:
    """The HTTP side of :class:`knit.yarn_api.YARNAPI`, whose docstring describes these parameters."""

    def __init__(self, rm: str | None = None, rm_port: int | str | None = None, scheme: str | None = None,
                 gateway_path: str = "", kerberos: bool | None = None, username: str | None = None,
                 password: str | None = None, verify: bool | str = True, conf: HadoopConf | None = None,
                 timeout: float = 30.0, retries: int = 2, ws_path: str | None = None, principal: str | None = None,
                 keytab: str | os.PathLike | None = None) -> None:
        if scheme not in (None, "http", "https"):
            raise ConfigError(f"scheme={scheme!r}: expected 'http' or 'https'")
        if rm is None and conf is None:
            conf = HadoopConf(rm_port=rm_port)
        self.conf = conf
        self.bases, self.bases_source = self._bases(rm, rm_port, scheme, conf)
        self.scheme = urlsplit(self.bases[0]).scheme
        self.gateway_path = _path(gateway_path)
        # knit 0.2: gateway_path goes before the RM's /ws; ws_path stands for /ws itself (Knox serves
        # the RM's /ws/v1 at /gateway/<topology>/resourcemanager/v1)
        self.ws_root = _path(ws_path) or f"{self.gateway_path}/ws"
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.user = username or (conf.user if conf is not None else _default_user())
        self.kerberos = bool(conf.kerberos if (kerberos is None and conf is not None) else kerberos)
        self._active = 0
        self.session = requests.Session()
        self.session.verify = verify
        self.session.headers.update({"Accept": "application/json"})
        self.identity = krb.identity(principal, keytab) if (principal or keytab) else (
            krb.from_conf(conf) if conf is not None else krb.Identity())
        if self.kerberos and not username:  # Kerberos says who we are, not HADOOP_USER_NAME
            self.user = krb.user_name(self.identity) or self.user
        if self.kerberos:
            self.session.auth = krb.spnego_auth(self.identity)
        elif password is not None:  # HTTP basic, for gateways that ask for it; Hadoop itself takes user.name
            self.session.auth = (self.user, password)

    @staticmethod
    def _bases(rm: str | None, rm_port: Any, scheme: str | None,
               conf: HadoopConf | None) -> tuple[list[str], str]:
        if rm is None:
            assert conf is not None
            urls = conf.rm_web_urls
            if scheme:
                urls = [f"{scheme}://{urlsplit(u).netloc}" for u in urls]
            return urls, conf.settings["rm_addresses"].source
        if "://" in rm:
            parts = urlsplit(rm)
            scheme = scheme or parts.scheme
            host, port = parts.hostname, parts.port
        else:
            host, _, p = rm.partition(":")
            port = int(p) if p.isdigit() else None
        if rm_port is not None:
            port = int(rm_port)
        scheme = scheme or (conf.rm_web_scheme if conf is not None else "http")
        if port is None:
            port = 8090 if scheme == "https" else 8088
        return [f"{scheme}://{host}:{port}"], f"keyword rm={rm!r}" + (f", rm_port={rm_port!r}" if rm_port else "")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(self.bases)}{self.ws_root}, user={self.user!r})"

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    @property
    def auth(self) -> Any:
        """The HTTP authentication in use (``requests``' ``auth``; knit 0.2's attribute): settable."""
        return self.session.auth

    @auth.setter
    def auth(self, value: Any) -> None:
        self.session.auth = value

    @property
    def url(self) -> str:
        """The REST root of the RM in use, e.g. ``http://rm:8088/ws/v1/``."""
        return f"{self.bases[self._active]}{self.ws_root}/v1/"

    def _params(self, params: Mapping[str, Any] | None) -> dict[str, Any]:
        out = {k: v for k, v in (params or {}).items() if v is not None}
        if not self.kerberos:  # pseudo authentication, as Hadoop's own web clients do (with a password too:
            out.setdefault("user.name", self.user)  # anonymous.allowed=false wants user.name, not basic auth)
        return out

    def _rm(self, method: str, path: str, params: Mapping[str, Any] | None = None,
            json: Any = None) -> Any:
        """One request to the active RM, failing over to the others on connection errors and standby answers."""
        problems: list[str] = []
        order = [self._active] + [i for i in range(len(self.bases)) if i != self._active]
        for round_ in range(self.retries + 1):
            if round_:
                time.sleep(min(0.5 * 2 ** (round_ - 1), 4.0))
            for i in order:
                url = f"{self.bases[i]}{self.ws_root}/v1/{path}"
                try:
                    r = self._send(method, url, params=self._params(params), json=json)
                except requests.exceptions.ReadTimeout:  # it may have acted on the request: never retried
                    raise self._timeout(method, url) from None
                except requests.exceptions.SSLError as e:
                    raise _tls_error(url, e) from None
                except requests.ConnectionError as e:  # includes connect timeouts
                    problems.append(f"{self.bases[i]}: {_reason(e)}")
                    logger.debug("RM %s unreachable: %s", self.bases[i], e)
                    continue
                if _is_standby(r):
                    problems.append(f"{self.bases[i]}: standby ResourceManager")
                    continue
                self._stick(i, r)
                return self._decode(method, url, r)
        raise yarn_error(f"no ResourceManager answered {method} /{path}: " + "; ".join(dict.fromkeys(problems))
                     + f" (addresses from {self.bases_source})")

    def _unauthorized(self, method: str, url: str, r: requests.Response) -> YARNError:
        challenge = r.headers.get("WWW-Authenticate", "")
        hint = ""
        if "negotiate" in challenge.lower():
            hint = " (Kerberos: run kinit, and install requests-gssapi)"
        elif "pseudoauth" in challenge.lower():  # Hadoop's simple authentication, anonymous access disallowed
            hint = f": the request needs user.name (sent as {self.user!r}); a proxy in between may drop it"
        elif "basic" in challenge.lower():
            hint = (f": the user name and password given for {self.user!r} were refused" if self.session.auth else
                    ": it wants a user name and password; pass Knit(password=..., user=...) or "
                    "YARNAPI(username=..., password=...)")
        return yarn_error(f"{method} {url} -> HTTP 401: authentication required ({challenge or 'no challenge'})"
                          f"{hint}", r, cls=AuthenticationError)

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        """One HTTP request; a SPNEGO exchange that fails (no ticket, a bad keytab) is a KerberosError."""
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.exceptions.RequestException:
            raise
        except Exception as e:  # requests-gssapi's errors are not RequestExceptions
            if self.kerberos and type(e).__module__.startswith(("requests_gssapi", "gssapi", "spnego")):
                raise krb.spnego_failure(url, e, self.identity) from None
            raise

    def _timeout(self, method: str, url: str) -> YARNError:
        return yarn_error(f"{method} {url}: no answer within {self.timeout:g} s (timeout=)")

    def _stick(self, i: int, r: requests.Response) -> None:
        if r.history:  # a standby RM redirected us: remember the active one if we know it
            final = urlsplit(r.url)
            for j, base in enumerate(self.bases):
                if urlsplit(base).netloc == final.netloc:
                    i = j
                    break
        if i != self._active:
            logger.info("using ResourceManager %s", self.bases[i])
        self._active = i

    def _get_node(self, node_http_address: str, path: str, raw: bool = False,
                  params: Mapping[str, Any] | None = None) -> Any:
        url = f"{self.scheme}://{node_http_address}/ws/v1/node/{path}"
        last: Exception | None = None
        for round_ in range(self.retries + 1):
            if round_:
                time.sleep(min(0.5 * 2 ** (round_ - 1), 4.0))
            try:
                # a log is text/plain: the NodeManager fails a request that accepts only JSON (HTTP 503)
                headers = {"Accept": "text/plain, */*"} if raw else None
                r = self._send("GET", url, params=self._params(params), headers=headers)
            except requests.exceptions.ReadTimeout:
                raise self._timeout("GET", url) from None
            except requests.exceptions.SSLError as e:
                raise _tls_error(url, e) from None
            except requests.ConnectionError as e:
                last = e
                continue
            return r if raw else self._decode("GET", url, r)
        raise yarn_error(f"NodeManager {node_http_address} unreachable: {_reason(last)}")

    def _decode(self, method: str, url: str, r: requests.Response) -> Any:
        ctype = r.headers.get("Content-Type", "")
        data: Any = None
        if "json" in ctype:
            try:
                data = r.json()
            except ValueError:
                data = None
        if r.ok and data is not None:
            return data
        if r.ok and not r.content:
            return None
        if r.status_code == 401 and self.kerberos:  # SPNEGO had no ticket to offer (or the server took none)
            raise KerberosError(f"{method} {url} -> HTTP 401: the server wants Kerberos (SPNEGO) and "
                                + (f"the keytab {self.identity.keytab} of {self.identity.principal} was not "
                                   "accepted" if self.identity.uses_keytab
                                   else f"there is no usable ticket; {krb.HOW_TO_LOG_IN}"))
        if r.status_code == 401:  # whatever the body (HTML, or the web server's own JSON message)
            raise self._unauthorized(method, url, r)
        remote = data.get("RemoteException") if isinstance(data, dict) else None
        if remote:
            cls = YARNError
            if r.status_code == 404 and "/apps/" in url:
                cls = ApplicationNotFound
            elif r.status_code == 403 or "AccessControlException" in str(remote.get("exception")):
                cls = PermissionDenied
            return_msg = f"{remote.get('exception', 'error')}: {remote.get('message', '')}"
            raise yarn_error(f"{method} {url} -> HTTP {r.status_code} {return_msg}", r, remote, cls)
        if isinstance(data, dict) and data.get("message"):  # the web server's own JSON error (Jetty)
            raise yarn_error(f"{method} {url} -> HTTP {r.status_code}: {data['message']}", r,
                             cls=PermissionDenied if r.status_code == 403 else YARNError)
        if r.status_code == 403:  # the RM's own refusals (an ACL) come as plain text
            raise yarn_error(f"{method} {url} -> HTTP 403: {(r.text or '').strip()[:500]}", r, cls=PermissionDenied)
        title = _TITLE.search(r.text or "")
        looks_html = "html" in ctype or (r.text or "").lstrip().lower().startswith(("<!doctype html", "<html"))
        what = "an HTML page" if looks_html else f"{ctype or 'no content type'}"
        detail = f": {title.group(1)!r}" if title else f": {(r.text or '')[:200]!r}"
        raise yarn_error(f"{method} {url} -> HTTP {r.status_code} with {what} instead of the RM's JSON "
                     f"(a proxy or gateway error page, or not a ResourceManager?){detail}", r)


def _path(path: str | None) -> str:
    """``"/a/b"`` from ``"a/b/"``; ``""`` for nothing."""
    return "/" + path.strip("/") if path and path.strip("/") else ""


def _is_standby(r: requests.Response) -> bool:
    if "json" in r.headers.get("Content-Type", ""):
        return False
    return bool(_STANDBY.search(r.text[:2000] if r.text else ""))


def _reason(e: Exception | None) -> str:
    text = str(e)
    for needle in ("Connection refused", "Name or service not known", "timed out", "No route to host",
                   "Temporary failure in name resolution", "certificate verify failed"):
        if needle in text:
            return needle
    return text[:200]


def _tls_error(url: str, e: Exception) -> YARNError:
    return yarn_error(f"TLS error talking to {url}: {_reason(e)}; pass verify='/path/to/ca-bundle.pem' (the "
                  "cluster's CA) or set REQUESTS_CA_BUNDLE")


def _default_user() -> str:
    return os.environ.get("HADOOP_USER_NAME") or login_user()
