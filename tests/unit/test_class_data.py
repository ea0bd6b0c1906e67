"""The client JVM's class-data archive (knit/class_data.py): which options a launch gets, when an archive is put in
place, and, with the real client JVM, that the second JVM maps the archive the first one wrote and that the conf
dir's resources still win over a jar's."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from knit import class_data, gateway

JAVA = sys.executable  # any existing file stands in for the java binary where only its identity matters


def test_directories_go_after_the_jars_each_in_order(tmp_path):
    conf, other = tmp_path / "conf", tmp_path / "other"
    conf.mkdir()
    other.mkdir()
    cp = os.pathsep.join(["knit.jar", str(conf), "/lib/*", str(other), "/x.jar", ""])
    assert class_data.jars_first(cp) == os.pathsep.join(["knit.jar", "/lib/*", "/x.jar", str(conf), str(other)])


def test_no_archive_before_java_13(cache):
    archive = class_data.Archive(12, JAVA, "a.jar")
    assert archive.options() == [] and archive.path is None
    archive.exited(0)
    assert not (cache / "class-data").exists()


def test_first_launch_writes_under_its_own_name_and_a_clean_exit_puts_it_in_place(cache):
    first = class_data.Archive(17, JAVA, "a.jar")  # (a missing jar is keyed as such)
    pending = first.pending
    assert first.options() == [f"-XX:ArchiveClassesAtExit={pending}"]
    assert pending.parent == cache / "class-data" and str(os.getpid()) in pending.name
    assert oct(pending.parent.stat().st_mode & 0o777) == "0o700"
    pending.write_bytes(b"archive")  # what the JVM writes at exit
    first.worth_keeping = True  # it submitted an application (ClientGateway.call)
    first.exited(0)
    assert first.path.read_bytes() == b"archive" and not pending.exists()
    later = class_data.Archive(17, JAVA, "a.jar")
    assert later.options() == [f"-XX:SharedArchiveFile={first.path}"] and later.pending is None
    assert class_data.Archive(17, JAVA, "b.jar").path != first.path  # other jars: another archive
    conf = cache.parent / "conf"
    conf.mkdir()
    assert class_data.Archive(17, JAVA, f"a.jar{os.pathsep}{conf}").path == first.path  # any conf dir after them


@pytest.mark.parametrize("returncode, submitted", [(1, True), (-9, True), (None, True), (0, False)])
def test_an_unclean_exit_or_a_jvm_that_submitted_nothing_leaves_no_archive(cache, returncode, submitted):
    archive = class_data.Archive(17, JAVA, "a.jar")
    archive.pending.write_bytes(b"maybe cut short, or a status call's few classes")
    archive.worth_keeping = submitted
    pending = archive.pending
    archive.exited(returncode)
    assert not pending.exists() and not archive.path.exists()


def test_abandoned_archives_of_dead_processes_are_removed_live_ones_kept(cache):
    d = cache / "class-data"
    d.mkdir(parents=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    gone = d / f"client-x.jsa.{dead.pid}.tmp"
    mine = d / f"client-x.jsa.{os.getpid()}.tmp"
    gone.write_bytes(b"")
    mine.write_bytes(b"")
    class_data.Archive(17, JAVA, "other.jar")  # no archive for this one yet: it looks for abandoned ones
    assert not gone.exists() and mine.exists()


@pytest.fixture
def hadoop_with_conf_dir(tmp_path, monkeypatch, cache):
    """A `hadoop classpath` of a conf dir and Hadoop's jars, where a jar also holds the conf dir's resource."""
    from knit.localcluster import hadoop_lib_dir
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "knit-probe.xml").write_text("from the conf dir")
    probe_jar = tmp_path / "probe.jar"
    with zipfile.ZipFile(probe_jar, "w") as z:
        z.writestr("knit-probe.xml", "from a jar")
    bin_dir = tmp_path / "hbin"
    bin_dir.mkdir()
    (bin_dir / "hadoop").write_text(f'#!/bin/sh\necho "{conf}:{probe_jar}:{hadoop_lib_dir()}/*"\n')
    (bin_dir / "hadoop").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    yield cache / "class-data"
    gateway.shutdown_client()


def mapped(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_the_second_client_jvm_maps_the_archive_the_first_wrote(hadoop_with_conf_dir):
    first = gateway.client()
    assert first.archive.pending is not None  # a fresh cache: this one writes it
    assert str(hadoop_with_conf_dir) not in mapped(first.proc.pid)  # (the JDK maps its own base archive)
    first.archive.worth_keeping = True  # as a submit call makes it (no cluster here to submit to)
    gateway.shutdown_client()
    archives = list(hadoop_with_conf_dir.glob("client-*.jsa"))
    assert archives == [first.archive.path] and archives[0].stat().st_size > 1_000_000

    second = gateway.client()
    assert second.archive.pending is None
    assert str(archives[0]) in mapped(second.proc.pid)  # the JVM accepted and mapped it
    # the conf dir went after the jars on the classpath, yet its resource still wins over the jar's
    hadoop_conf = second.gateway.jvm.org.apache.hadoop.conf.Configuration(False)
    assert hadoop_conf.getResource("knit-probe.xml").getPath().endswith("/conf/knit-probe.xml")
    assert second.gateway.jvm.java.lang.ClassLoader.getSystemResource("knit-probe.xml").getPath().endswith(
        "probe.jar!/knit-probe.xml")  # the order ConfDirsFirst corrects: without it the jar's would win


def test_a_submit_call_makes_the_archive_worth_keeping_other_calls_do_not(cache, monkeypatch):
    class Proc:
        def poll(self):
            return None

    class EntryPoint:
        def submit(self, *args):
            return "{}"

        def report(self, *args):
            return "{}"

    archive = class_data.Archive(17, JAVA, "a.jar")
    c = gateway.ClientGateway(Proc(), None, str(cache), str(cache / "log"), archive)
    monkeypatch.setattr(gateway.ClientGateway, "entry_point", EntryPoint())
    c.call("report", "x")
    assert not archive.worth_keeping
    c.call("submit", "spec")
    assert archive.worth_keeping
    c._closed = True  # nothing to stop


def test_a_jar_replaced_at_the_same_path_gets_a_new_archive(tmp_path, cache):
    jar, lib = tmp_path / "knit.jar", tmp_path / "lib"
    jar.write_bytes(b"v1")
    lib.mkdir()
    cp = f"{jar}{os.pathsep}{lib}/*"
    before = class_data.archive_path(JAVA, cp)
    assert class_data.archive_path(JAVA, cp) == before
    jar.write_bytes(b"version 2")  # pip install -U: the same path, another jar (which the JVM would refuse)
    assert class_data.archive_path(JAVA, cp) != before
    again = class_data.archive_path(JAVA, cp)
    (lib / "hadoop-common.jar").write_bytes(b"")  # a jar added under the wildcard
    os.utime(lib, ns=(1, 1))  # a distinct mtime whatever the file system's clock granularity
    assert class_data.archive_path(JAVA, cp) != again
