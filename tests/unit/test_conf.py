"""knit.conf on conf dirs shaped like real clusters' (tests/unit/fixtures/conf); no cluster needed."""
from __future__ import annotations

from pathlib import Path

import pytest

from knit.conf import HadoopConf
from knit.exceptions import ConfigError

FIXTURES = Path(__file__).parent / "fixtures" / "conf"
NO_ENV: dict[str, str] = {}


def conf(name: str, **kw) -> HadoopConf:
    kw.setdefault("environ", NO_ENV)
    return HadoopConf(FIXTURES / name, **kw)


def test_explicit_conf_dir_wins_over_environment():
    c = HadoopConf(FIXTURES / "single", environ={"HADOOP_CONF_DIR": str(FIXTURES / "ha")})
    assert c.conf_dir == FIXTURES / "single" and c.conf_dir_source == "conf_dir="
    assert c.rm_ha_ids == []


def test_no_conf_and_no_arguments_names_every_place_searched(monkeypatch, tmp_path):
    monkeypatch.setattr("knit.hadoop_xml.SYSTEM_CONF_DIR", str(tmp_path / "etc-hadoop-conf"))
    with pytest.raises(ConfigError) as e:
        HadoopConf(environ={"HADOOP_CONF_DIR": str(tmp_path / "nowhere")})
    msg = str(e.value)
    for place in ("HADOOP_CONF_DIR", "nowhere", "YARN_CONF_DIR (not set)", "HADOOP_HOME/etc/hadoop (not set)",
                  "etc-hadoop-conf"):
        assert place in msg


def test_explicit_conf_dir_that_does_not_exist_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        HadoopConf(tmp_path / "missing", environ=NO_ENV)
    with pytest.raises(ConfigError, match="holds none of"):
        HadoopConf(tmp_path, environ=NO_ENV)


def test_keywords_alone_need_no_conf_dir(monkeypatch, tmp_path):
    monkeypatch.setattr("knit.hadoop_xml.SYSTEM_CONF_DIR", str(tmp_path / "none"))
    c = HadoopConf(rm="rm.example.com", rm_port=8088, nn="nn.example.com", environ=NO_ENV)
    assert c.conf_dir is None
    assert c.rm_web_address == "rm.example.com:8088" and c.rm_address == "rm.example.com:8032"
    assert c.default_fs == "hdfs://nn.example.com:8020"
    assert c.webhdfs_address == "nn.example.com:9870"


def test_pars_override_even_final_properties_like_hadoop_set():
    c = conf("substitution", environ={"KNIT_TEST_RM_HOST": "rm1"}, pars={"dfs.replication": 4})
    assert c.replication == 4 and c.source("dfs.replication") == "pars"
    assert c.overrides() == {"dfs.replication": "4"}


def test_substitution_of_properties_system_properties_and_environment():
    c = conf("substitution", environ={"KNIT_TEST_RM_HOST": "rm-from-env", "KNIT_TEST_DOMAIN": "corp.example"},
             system_properties={"user.name": "alice"})
    assert c["hadoop.tmp.dir"] == "/data/tmp/hadoop-alice"
    assert c["yarn.nodemanager.local-dirs"] == "/data/tmp/hadoop-alice/nm-local-dir"  # two levels deep
    assert c.rm_web_address == "rm-from-env:18088"
    assert c.default_fs == "hdfs://namenode.corp.example:9000"


def test_single_rm_and_namenode():
    c = conf("single")
    assert c.rm_address == "rm01.example.com:8050"  # ${yarn.resourcemanager.hostname}:8050
    assert c.rm_web_address == "rm01.example.com:8088"  # hostname + Hadoop's default web port
    assert c.rm_web_urls == ["http://rm01.example.com:8088"]
    assert c.default_fs == "hdfs://nn01.example.com:8020"
    # dfs.namenode.http-address is a 0.0.0.0 bind address: the host comes from fs.defaultFS
    assert c.webhdfs_addresses == ["nn01.example.com:50070"] and c.webhdfs_scheme == "http"
    assert c.home_prefix == "/home"
    assert c.authentication == "simple" and not c.kerberos


def test_rm_and_hdfs_ha():
    c = conf("ha")
    assert c.rm_ha_ids == ["rm1", "rm2"]
    assert [(a.id, a.address, a.web_address) for a in c.rm_addresses] == [
        ("rm1", "master1.corp:8032", "master1.corp:8088"),  # hostname.rm1 + default ports
        ("rm2", "master2.corp:8032", "master2.corp:8188"),
    ]
    assert c.default_fs == "hdfs://prodcluster"
    assert c.webhdfs_addresses == ["master1.corp:9870", "master2.corp:9870"]


def test_https_and_kerberos():
    c = conf("https_kerberos")
    assert c.rm_web_scheme == "https"
    assert c.rm_web_urls == ["https://rm.secure.example.org:8443"]  # webapp.https.address, not webapp.address
    assert c.webhdfs_scheme == "https" and c.webhdfs_address == "nn.secure.example.org:9871"
    assert c.kerberos and c.authentication == "kerberos"
    assert "HTTPS_ONLY" in c.settings["rm_web_scheme"].source


def test_ha_enabled_without_rm_ids_is_an_error(tmp_path):
    (tmp_path / "yarn-site.xml").write_text(
        "<configuration><property><name>yarn.resourcemanager.ha.enabled</name><value>true</value></property>"
        "</configuration>")
    with pytest.raises(ConfigError, match="rm-ids"):
        HadoopConf(tmp_path, environ=NO_ENV).rm_addresses


def test_user_and_home_dir():
    assert conf("single", environ={"HADOOP_USER_NAME": "etl"}).home_dir == "/home/etl"
    c = conf("single", environ={"HADOOP_USER_NAME": "etl"}, user="bob")
    assert c.user == "bob" and c.home_dir == "/home/bob"
    c = conf("single", hdfs_home="/projects/x")
    assert c.home_dir == "/projects/x" and c.settings["home_dir"].source == "keyword hdfs_home="


def test_keywords_beat_pars_beat_files():
    pars = {"yarn.resourcemanager.webapp.address": "from-pars:1111", "fs.defaultFS": "hdfs://pars-nn:2222"}
    c = conf("single", pars=pars)
    assert c.rm_web_address == "from-pars:1111" and c.settings["rm_web_address"].source.endswith("(pars)")
    assert c.default_fs == "hdfs://pars-nn:2222"
    c = conf("single", pars=pars, rm="kw-rm", nn="kw-nn", nn_port=9000)
    assert c.rm_web_address == "kw-rm:1111"  # host from the keyword, port from pars
    assert c.rm_address == "kw-rm:8050"  # the RPC port still comes from the files
    assert "keyword rm='kw-rm'" in c.settings["rm_web_address"].source
    assert c.default_fs == "hdfs://kw-nn:9000"
    assert c.overrides()["yarn.resourcemanager.address"] == "kw-rm:8050"


def test_rm_keyword_disables_ha_and_rm_port_is_the_web_port():
    c = conf("ha", rm="edge-rm", rm_port=8188)
    assert c.rm_ha_ids == [] and c.rm_web_urls == ["http://edge-rm:8188"]


def test_rm_port_alone_changes_every_ha_rm_web_port():
    c = conf("ha", rm_port=9999)
    assert [a.web_address for a in c.rm_addresses] == ["master1.corp:9999", "master2.corp:9999"]


def test_rm_as_url_sets_the_scheme():
    c = conf("single", rm="https://secure-rm:8443")
    assert c.rm_web_urls == ["https://secure-rm:8443"]


def test_short_keys_in_pars_rank_below_keywords():
    c = conf("single", pars={"rm": "pars-rm", "nn": "pars-nn"}, nn="kw-nn")
    assert c.rm_web_address == "pars-rm:8088" and c.default_fs == "hdfs://kw-nn:8020"


@pytest.mark.parametrize("kw", [{"rm_port": "http"}, {"rm_port": 0}, {"nn_port": 70000, "nn": "x"}])
def test_bad_port_is_a_config_error(kw):
    with pytest.raises(ConfigError, match="port"):
        conf("single", **kw)


def test_repr_and_dict_show_value_and_source():
    c = conf("ha")
    d = c.to_dict()
    assert d["rm_addresses"]["value"][1] == {"id": "rm2", "address": "master2.corp:8032",
                                             "web_address": "master2.corp:8188", "scheme": "http"}
    assert d["default_fs"] == {"value": "hdfs://prodcluster",
                               "source": f"fs.defaultFS ({FIXTURES / 'ha' / 'core-site.xml'})"}
    text = repr(c)
    assert "rm_web_address" in text and "master1.corp:8088" in text and "hostname.rm1" in text
