"""Kerberos on Knit's Python side: the identity a client acts as, and SPNEGO for the REST APIs.

A user has one of two credentials:

- a ticket cache (``kinit`` first; ``KRB5CCNAME`` names it if it is not the default): nothing to pass;
- a keytab: ``Knit(principal=..., keytab=...)``. The client JVM logs in from it (its path travels in the
  configuration entries ``knit.kerberos.principal`` / ``knit.kerberos.keytab``, never its content), the
  ApplicationMaster gets a private copy to renew the application's delegation tokens, and Python acquires its own
  ticket from it for SPNEGO into a private in-memory cache (GSSAPI's credential store: ``client_keytab`` and a
  ``MEMORY:`` ccache), so no ticket cache is needed at all.

SPNEGO needs the optional ``requests-gssapi`` (the ``kerberos`` extra; python-gssapi builds from source against
MIT Kerberos: Debian's ``libkrb5-dev``).
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any, Mapping

from .exceptions import ConfigError, KerberosError
from .shared import KEYTAB_CONF, PRINCIPAL_CONF

#: What to do when there is no credential (the client JVM says the same, in ``org.knit.client.Identity``).
HOW_TO_LOG_IN = ("run `kinit <principal>` first (KRB5CCNAME names the ticket cache if it is not the default), or "
                 "pass principal= and keytab= (Knit(principal='you@REALM', keytab='/path/you.keytab'); "
                 "--principal and --keytab on the command line)")


@dataclass(frozen=True)
class Identity:
    """Who a client acts as: a principal and its keytab, or neither (the ticket cache)."""

    principal: str | None = None
    keytab: str | None = None

    @property
    def uses_keytab(self) -> bool:
        return self.keytab is not None

    def conf_entries(self) -> dict[str, str]:
        """The configuration entries that tell the client JVM to log in from the keytab (none for a ticket)."""
        return {PRINCIPAL_CONF: self.principal, KEYTAB_CONF: self.keytab} if self.keytab else {}


def identity(principal: str | None = None, keytab: str | os.PathLike | None = None) -> Identity:
    """Check ``principal=`` / ``keytab=`` (both or neither; the keytab a readable file) and return them.

    Raises
    ------
    KerberosError
        Only one of them, an empty principal, or a keytab that is not a readable file.
    """
    if principal is None and keytab is None:
        return Identity()
    if principal is None or keytab is None:
        given = "keytab=" if principal is None else "principal="
        raise KerberosError(f"principal= and keytab= go together: got only {given}")
    if not isinstance(principal, str) or not principal.strip() or re.search(r"\s", principal.strip()):
        raise KerberosError(f"principal= must be a Kerberos principal such as 'alice@EXAMPLE.COM'; got {principal!r}")
    path = os.path.abspath(os.fspath(keytab))
    if not os.path.isfile(path) or not os.access(path, os.R_OK):
        raise KerberosError(f"keytab={os.fspath(keytab)!r} is not a readable file")
    return Identity(principal.strip(), path)


def from_conf(conf: Mapping[str, Any]) -> Identity:
    """The identity a configuration's entries name (what :meth:`Identity.conf_entries` wrote)."""
    principal, keytab = conf.get(PRINCIPAL_CONF), conf.get(KEYTAB_CONF)
    return Identity(principal, keytab) if principal and keytab else Identity()


def short_name(principal: str) -> str:
    """``alice@REALM`` -> ``alice``, ``svc/host@REALM`` -> ``svc``: Hadoop's default auth_to_local mapping."""
    return principal.split("@", 1)[0].split("/", 1)[0]


def ticket_principal() -> str | None:
    """The principal of the default ticket cache (``KRB5CCNAME``), or None without a ticket."""
    try:
        import gssapi  # optional dependency (the kerberos extra)
    except ImportError:
        return _klist_principal()
    try:
        return str(gssapi.Credentials(usage="initiate").name)
    except gssapi.exceptions.GSSError:
        return None


def _klist_principal() -> str | None:
    klist = shutil.which("klist")
    if klist is None:
        return None
    try:
        out = subprocess.run([klist], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired):
        return None
    m = re.search(r"^Default principal:\s*(\S+)", out.stdout, re.M)
    return m.group(1) if out.returncode == 0 and m else None


def user_name(ident: Identity) -> str | None:
    """The Hadoop user ``ident`` acts as (from its principal or the ticket cache's), or None without a ticket."""
    principal = ident.principal or ticket_principal()
    return short_name(principal) if principal else None


def adopt_user(conf: Any, ident: Identity) -> None:
    """On a Kerberos cluster ``conf`` (a :class:`~knit.conf.HadoopConf`) acts as the principal's user, not as
    HADOOP_USER_NAME or the OS user (unless a ``user=`` keyword said otherwise)."""
    who = user_name(ident) if conf.kerberos else None
    if who is not None:
        conf.set_user(who, f"Kerberos principal {ident.principal or 'of the ticket cache'}")


def spnego_auth(ident: Identity) -> Any:
    """A ``requests`` auth that does SPNEGO with the ticket cache, or with a ticket acquired from the keytab
    into this process's private memory cache.

    Raises
    ------
    ConfigError
        ``requests-gssapi`` is not installed.
    """
    try:
        from requests_gssapi import HTTPSPNEGOAuth  # optional dependency (the kerberos extra)
    except ImportError:
        raise ConfigError("the cluster uses Kerberos (hadoop.security.authentication=kerberos): install the "
                          "optional dependency requests-gssapi (`pip install knit[kerberos]`; it builds python-gssapi, "
                          "which needs MIT Kerberos headers: Debian's libkrb5-dev), or pass kerberos=False") from None
    if not ident.uses_keytab:
        return HTTPSPNEGOAuth()
    import gssapi
    name = gssapi.Name(ident.principal, gssapi.NameType.kerberos_principal)
    # A MEMORY: cache of our own: the user's ticket cache (if any) is neither read nor written.
    store = {"client_keytab": ident.keytab, "ccache": f"MEMORY:knit-{secrets.token_hex(8)}"}
    try:
        creds = gssapi.Credentials(name=name, usage="initiate", store=store)
    except gssapi.exceptions.GSSError as e:
        raise KerberosError(f"cannot use keytab {ident.keytab} for {ident.principal}: {e}") from None
    return HTTPSPNEGOAuth(creds=creds)


def spnego_failure(url: str, error: Exception, ident: Identity) -> KerberosError:
    """What a failed SPNEGO exchange means, as a :class:`KerberosError` saying what to do."""
    if ident.uses_keytab:
        return KerberosError(f"SPNEGO to {url} failed with the keytab {ident.keytab} of {ident.principal}: {error}")
    return KerberosError(f"SPNEGO to {url} failed ({error}): no usable Kerberos ticket; {HOW_TO_LOG_IN}")
