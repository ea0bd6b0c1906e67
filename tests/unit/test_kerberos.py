"""Kerberos on the Python side without a KDC: the identity keywords, the configuration entries that carry them to
the client JVM, what a refusal over REST becomes, the CLI flags. (Real tickets, keytabs and SPNEGO are tested on
the secure local cluster: tests/integration/test_secure*.py.)"""
from __future__ import annotations

import json
import os

import pytest

from knit import kerberos as krb
from knit.cli import main
from knit.exceptions import KerberosError, PermissionDenied, YARNError
from knit.gateway import client_command, krb5_options
from knit.shared import KEYTAB_CONF, PRINCIPAL_CONF
from knit.yarn_api import YARNAPI


@pytest.fixture
def keytab(tmp_path):
    path = tmp_path / "alice.keytab"
    path.write_bytes(b"\x05\x02not a real keytab")
    return path


def test_principal_and_keytab_go_together(keytab):
    with pytest.raises(KerberosError, match="go together: got only keytab="):
        krb.identity(keytab=keytab)
    with pytest.raises(KerberosError, match="go together: got only principal="):
        krb.identity(principal="alice@R")
    assert krb.identity() == krb.Identity() and not krb.Identity().conf_entries()


@pytest.mark.parametrize("principal", ["", "  ", "alice @R", 42])
def test_a_principal_is_one_word(principal, keytab):
    with pytest.raises(KerberosError, match="principal= must be a Kerberos principal"):
        krb.identity(principal, keytab)


def test_the_keytab_must_be_a_readable_file(tmp_path, keytab):
    with pytest.raises(KerberosError, match="is not a readable file"):
        krb.identity("alice@R", tmp_path / "missing.keytab")
    with pytest.raises(KerberosError, match="is not a readable file"):
        krb.identity("alice@R", tmp_path)  # a directory
    if os.geteuid() != 0:  # root reads anything
        keytab.chmod(0)
        with pytest.raises(KerberosError, match="is not a readable file"):
            krb.identity("alice@R", keytab)


def test_the_identity_travels_as_two_configuration_entries_and_back(keytab, monkeypatch):
    monkeypatch.chdir(keytab.parent)
    ident = krb.identity(" alice@R ", keytab.name)  # a relative path is made absolute: the JVM has its own cwd
    assert ident == krb.Identity("alice@R", str(keytab))
    entries = ident.conf_entries()
    assert entries == {PRINCIPAL_CONF: "alice@R", KEYTAB_CONF: str(keytab)}
    assert (PRINCIPAL_CONF, KEYTAB_CONF) == ("knit.kerberos.principal", "knit.kerberos.keytab")
    assert krb.from_conf(entries) == ident and krb.from_conf({}) == krb.Identity()


def test_the_user_is_the_principal_s_first_component():
    assert [krb.short_name(p) for p in ("alice@R", "svc/host.example@R", "bob")] == ["alice", "svc", "bob"]
    assert krb.user_name(krb.Identity("carol@EXAMPLE.COM", "/k")) == "carol"


def test_knit_takes_its_user_and_home_from_the_principal_on_a_kerberos_cluster(keytab, tmp_path):
    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    (conf_dir / "core-site.xml").write_text(
        "<configuration><property><name>hadoop.security.authentication</name><value>kerberos</value></property>"
        "<property><name>fs.defaultFS</name><value>hdfs://nn:8020</value></property></configuration>")
    from knit import Knit
    k = Knit(conf_dir=str(conf_dir), principal="alice@R", keytab=str(keytab))
    assert (k.user, k.hdfs_home) == ("alice", "hdfs://nn:8020/user/alice")
    assert k.conf.overrides()[KEYTAB_CONF] == str(keytab)  # what the client JVM logs in from
    assert Knit(conf_dir=str(conf_dir), principal="alice@R", keytab=str(keytab), user="dave").user == "dave"


def test_krb5_config_reaches_the_jvm_as_a_system_property():
    assert krb5_options({"KRB5_CONFIG": "/etc/krb5-test.conf"}) == ["-Djava.security.krb5.conf=/etc/krb5-test.conf"]
    assert krb5_options({}) == []


def test_the_client_jvm_command_line_holds_no_secret(keytab, monkeypatch, tmp_path):
    monkeypatch.setenv("KRB5_CONFIG", "/etc/krb5-test.conf")
    cmd = client_command("/usr/bin/java", "/x/*", str(tmp_path / "conn"), str(tmp_path))
    assert "-Djava.security.krb5.conf=/etc/krb5-test.conf" in cmd
    assert not any(str(keytab) in c or "alice" in c for c in cmd)  # the keytab goes over the gateway, later


def test_401_from_a_kerberos_cluster_says_kinit_or_keytab(server):
    s = server(401, b'{"message": "Authentication required"}', "application/json",
               headers={"WWW-Authenticate": "Negotiate"})
    api = YARNAPI(rm=s.address, kerberos=False)
    api.kerberos = True  # as on a Kerberos cluster, without needing a ticket to build the client
    with pytest.raises(KerberosError) as err:
        api.nodes()
    assert "kinit" in str(err.value) and "principal= and keytab=" in str(err.value)


def test_403_is_a_permission_error_with_the_rm_s_words(server):
    s = server(403, b"Unauthorized attempt to kill appid application_1_0001 by remote user bob@R", "text/plain")
    api = YARNAPI(rm=s.address, kerberos=False, username="bob")
    with pytest.raises(PermissionDenied) as err:
        api.kill_app("application_1_0001")
    message = str(err.value)
    assert "remote user bob@R" in message and "MODIFY_APP" in message and "bob" in message
    assert isinstance(err.value, YARNError)  # callers catching YARNError still catch it


def test_a_node_manager_s_log_refusal_names_the_user_and_view_app(server):
    s = server(404, b"User [bob] is not authorized to view the logs for application application_1_0001",
               "text/plain")
    api = YARNAPI(rm=s.address, kerberos=False, username="bob")
    with pytest.raises(PermissionDenied) as err:
        api.container_log(s.address, "container_1_0001_01_000002")
    assert "User [bob] is not authorized" in str(err.value) and "VIEW_APP" in str(err.value)


def test_knit_start_flags_for_kerberos_acls_and_file_systems(capsys, keytab, offline):
    argv = ["start", "hostname", "--principal", "alice@R", "--keytab", str(keytab), "--acl", "VIEW_APP=bob ops",
            "--acl", "MODIFY_APP=bob", "--file-system", "hdfs://ns2", "--file-system", "hdfs://ns3:8020",
            "--dry-run"]
    assert main(argv) == 0, capsys.readouterr().err
    spec = json.loads(capsys.readouterr().out)
    assert spec["acls"] == {"VIEW_APP": "bob ops", "MODIFY_APP": "bob"}
    assert spec["file_systems"] == ["hdfs://ns2", "hdfs://ns3:8020"]
    assert spec["conf"][PRINCIPAL_CONF] == "alice@R" and spec["conf"][KEYTAB_CONF] == str(keytab)


def test_knit_start_refuses_a_bad_acl_naming_the_flag(capsys, offline):
    assert main(["start", "hostname", "--acl", "KILL_APP=bob", "--dry-run"]) == 2
    assert "--acl" in capsys.readouterr().err
