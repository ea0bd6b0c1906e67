"""knit.hadoop_xml: finding the conf dir and reading site files the way Hadoop's ``Configuration`` does."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knit.exceptions import ConfigError
from knit.hadoop_xml import HadoopProperties, find_conf_dir, parse_site_file

FIXTURES = Path(__file__).parent / "fixtures" / "conf"


def props(name: str | Path, environ: dict[str, str] | None = None, **kw) -> HadoopProperties:
    """The properties of one conf dir (a fixture's name, or a path), with no environment unless given."""
    p = HadoopProperties(environ={} if environ is None else environ, **kw)
    p.load_dir(FIXTURES / name)
    return p


def test_search_order_hadoop_conf_dir_before_yarn_conf_dir_before_hadoop_home(tmp_path):
    home = tmp_path / "hadoop"
    shutil.copytree(FIXTURES / "single", home / "etc" / "hadoop")
    env = {"HADOOP_CONF_DIR": str(FIXTURES / "ha"), "YARN_CONF_DIR": str(FIXTURES / "https_kerberos"),
           "HADOOP_HOME": str(home)}
    assert find_conf_dir(environ=env)[:2] == (FIXTURES / "ha", "HADOOP_CONF_DIR")
    del env["HADOOP_CONF_DIR"]
    assert find_conf_dir(environ=env)[:2] == (FIXTURES / "https_kerberos", "YARN_CONF_DIR")
    del env["YARN_CONF_DIR"]
    assert find_conf_dir(environ=env)[:2] == (home / "etc" / "hadoop", "HADOOP_HOME/etc/hadoop")


def test_a_stale_hadoop_conf_dir_is_skipped_and_reported(tmp_path):
    env = {"HADOOP_CONF_DIR": str(tmp_path / "gone"), "YARN_CONF_DIR": str(FIXTURES / "single")}
    d, how, searched = find_conf_dir(environ=env)
    assert (d, how) == (FIXTURES / "single", "YARN_CONF_DIR")
    assert any("gone" in s and "does not exist" in s for s in searched)


def test_malformed_xml_names_file_and_line():
    with pytest.raises(ConfigError) as e:
        props("malformed")
    assert "yarn-site.xml" in str(e.value) and "line 7" in str(e.value)


def test_not_a_configuration_file(tmp_path):
    (tmp_path / "core-site.xml").write_text("<html><body>oops</body></html>")
    with pytest.raises(ConfigError, match="expected <configuration>"):
        props(tmp_path)


def test_attribute_form_and_element_form_are_both_read():
    found = {n: (v, f) for n, v, f in parse_site_file(FIXTURES / "substitution" / "core-site.xml")}
    assert found["knit.attribute.form"] == ("from-attributes", True)
    assert found["hadoop.security.authentication"] == ("simple", True)


def test_final_in_earlier_file_is_not_overridden_by_later_file():
    c = props("substitution", environ={"KNIT_TEST_RM_HOST": "rm1"})
    # yarn-site.xml sets kerberos, but core-site.xml marked it final
    assert c["hadoop.security.authentication"] == "simple"
    assert c.is_final("hadoop.security.authentication")
    assert c.source("hadoop.security.authentication").endswith("core-site.xml")


def test_final_within_one_file_stops_later_definitions():
    c = props("substitution", environ={"KNIT_TEST_RM_HOST": "rm1"})
    assert c["dfs.replication"] == "2"  # 1, then 2 (final), then 5 (ignored)


def test_deprecated_name_maps_to_current_one():
    c = props("substitution", environ={"KNIT_TEST_RM_HOST": "rm1"})
    assert c["fs.defaultFS"] == "hdfs://namenode.lab.example.net:9000"
    assert "deprecated fs.default.name" in c.source("fs.defaultFS")


def test_env_default_forms():
    c = props("substitution", environ={"KNIT_TEST_RM_HOST": "h"})
    assert c["cluster.domain"] == "lab.example.net"  # ${env.KNIT_TEST_DOMAIN:-lab.example.net}, unset
    c = props("substitution", environ={"KNIT_TEST_RM_HOST": "h", "KNIT_TEST_DOMAIN": ""})
    assert c["cluster.domain"] == "lab.example.net"  # :- also replaces an empty value
    assert c.substitute("${env.KNIT_TEST_DOMAIN-dash}") == ""  # - keeps an empty value
    assert c.substitute("${env.NOT_SET-dash}") == "dash"


def test_unbound_and_self_referencing_variables_stay_as_written():
    c = props("substitution", environ={"KNIT_TEST_RM_HOST": "h"})
    assert c["knit.unbound"] == "${no.such.property}/x"
    assert c["knit.self.reference"] == "a-${knit.self.reference}"


def test_substitution_loop_is_an_error_not_a_hang():
    c = props("substitution", environ={"KNIT_TEST_RM_HOST": "h"})
    with pytest.raises(ConfigError, match="substitution depth"):
        c["knit.loop.a"]


def test_hadoop_default_values_are_substituted_too():
    c = props("single")
    assert c.get("hadoop.tmp.dir").startswith("/tmp/hadoop-") and "${" not in c.get("hadoop.tmp.dir")
    assert c.source("hadoop.tmp.dir") == "Hadoop default"
