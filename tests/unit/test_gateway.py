"""Client JVM launch logic: finding hadoop/java/the JAR, the secret handshake, deadlines, log redaction.

These use small stand-in executables for ``hadoop`` and ``java`` (shell scripts) to exercise the launch
protocol's failure paths; the real JVM handshake is exercised against knit.jar in ``test_real_gateway_*``.
"""
import logging
import os
import re
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from helpers import pid_alive, wait_until
from knit import gateway
from knit.exceptions import GatewayError


def write_exe(path: Path, body: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + textwrap.dedent(body))
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def bare_path(tmp_path, monkeypatch):
    """PATH with only a bin dir of ours (plus /usr/bin and /bin for sh, sleep, cat)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.delenv("HADOOP_HOME", raising=False)
    return bin_dir


def test_no_hadoop_is_a_clear_error(bare_path):
    if os.path.exists("/usr/bin/hadoop") or os.path.exists("/bin/hadoop"):
        pytest.fail("this machine has a system hadoop; the test needs PATH without one")
    with pytest.raises(GatewayError, match=r"`hadoop` command was not found on PATH.*HADOOP_HOME"):
        gateway.find_hadoop()


def test_hadoop_from_hadoop_home(bare_path, tmp_path, monkeypatch):
    exe = write_exe(tmp_path / "hh" / "bin" / "hadoop", "echo x\n")
    monkeypatch.setenv("HADOOP_HOME", str(tmp_path / "hh"))
    assert gateway.find_hadoop() == str(exe)


def test_hadoop_on_path_wins(bare_path, tmp_path, monkeypatch):
    exe = write_exe(bare_path / "hadoop", "echo x\n")
    write_exe(tmp_path / "hh" / "bin" / "hadoop", "echo y\n")
    monkeypatch.setenv("HADOOP_HOME", str(tmp_path / "hh"))
    assert gateway.find_hadoop() == str(exe)


def test_classpath_trailing_newline_stripped(bare_path):
    write_exe(bare_path / "hadoop", 'printf "/etc/hadoop/conf:/opt/hadoop/lib/*\\n\\n"\n')
    assert gateway.hadoop_classpath() == "/etc/hadoop/conf:/opt/hadoop/lib/*"


def test_classpath_failure_reports_exit_code(bare_path):
    write_exe(bare_path / "hadoop", 'echo "JAVA_HOME is not set" >&2; exit 3\n')
    with pytest.raises(GatewayError, match=r"exit code 3: JAVA_HOME is not set"):
        gateway.hadoop_classpath()


def test_command_has_no_secret_and_long_classpath_uses_argfile(tmp_path):
    java = gateway.java_executable()
    short = gateway.client_command(java, "/a/*:/b/*", "/tmp/x/gateway.json", str(tmp_path))
    assert short[-2:] == [gateway.GATEWAY_MAIN, "/tmp/x/gateway.json"]
    assert "/a/*:/b/*" in short
    long_cp = ":".join(f"/opt/hadoop/share/lib/jar-number-{i}.jar" for i in range(5000))
    cmd = gateway.client_command(java, long_cp, "/tmp/x/gateway.json", str(tmp_path))
    assert all(len(arg) < gateway.MAX_ARGV_CLASSPATH for arg in cmd)
    argfile = next(a for a in cmd if a.startswith("@"))[1:]
    assert long_cp in Path(argfile).read_text()


def test_no_proxy_covers_loopback(monkeypatch):
    monkeypatch.setenv("NO_PROXY", "corp.example")
    monkeypatch.setenv("http_proxy", "http://proxy:3128")
    env = gateway._no_proxy_env()
    assert env["NO_PROXY"].split(",")[:2] == ["corp.example", "127.0.0.1"]
    assert "localhost" in env["no_proxy"].split(",")


@pytest.fixture
def fake_java(tmp_path, monkeypatch, bare_path):
    """JAVA_HOME with a ``java`` that records argv, env and the first stdin line, then runs ``$BEHAVIOUR``."""
    home = tmp_path / "jdk"
    record = tmp_path / "record"
    record.mkdir()
    write_exe(home / "bin" / "java", f"""\
        if [ "$1" = "-version" ]; then echo 'openjdk version "17.0.9" 2023-10-17' >&2; exit 0; fi
        echo "$@" > {record}/argv
        env > {record}/env
        read -r line; echo "$line" > {record}/stdin
        echo "pid $$" > {record}/pid
        eval "$FAKE_JAVA_BEHAVIOUR"
        """)
    write_exe(bare_path / "hadoop", 'echo "/conf:/lib/*"\n')
    monkeypatch.setenv("JAVA_HOME", str(home))
    jar = tmp_path / "knit.jar"
    jar.write_bytes(b"")
    monkeypatch.setattr(gateway, "find_jar", lambda: str(jar))
    return record


def _check_secret_handshake(record: Path):
    secret = (record / "stdin").read_text().strip()
    assert re.fullmatch(r"[0-9a-f]{64}", secret)
    assert secret not in (record / "argv").read_text()
    assert secret not in (record / "env").read_text()
    return secret


def test_jvm_exiting_early_is_reported_with_its_output(fake_java, monkeypatch):
    monkeypatch.setenv("FAKE_JAVA_BEHAVIOUR", "echo 'Error: Could not find main class' ; exit 3")
    with pytest.raises(GatewayError, match=r"exited with code 3.*\n.*Could not find main class"):
        gateway.ClientGateway.launch(timeout=30)
    _check_secret_handshake(fake_java)
    argv = (fake_java / "argv").read_text()
    assert "--add-opens=java.base/java.lang=ALL-UNNAMED" in argv
    assert "-cp" in argv and "/conf:/lib/*" in argv and gateway.GATEWAY_MAIN in argv
    env = (fake_java / "env").read_text()
    assert re.search(r"^NO_PROXY=.*127\.0\.0\.1", env, re.M)


def test_deadline_for_the_connection_file(fake_java, monkeypatch):
    """A JVM that never answers is given up on at the deadline, and stopped."""
    monkeypatch.setenv("FAKE_JAVA_BEHAVIOUR", "exec sleep 300")
    t0 = time.monotonic()
    with pytest.raises(GatewayError, match=r"did not write .*gateway\.json within 2 s"):
        gateway.ClientGateway.launch(timeout=2)
    assert time.monotonic() - t0 < 30
    pid = int((fake_java / "pid").read_text().split()[1])
    assert not pid_alive(pid)


def test_conn_dir_is_private_and_removed(fake_java, monkeypatch):
    """The connection file lives in a 0700 temp dir that is gone after a failed launch."""
    monkeypatch.setenv("FAKE_JAVA_BEHAVIOUR",
                       'd=$(dirname "$(echo $@ | awk "{print \\$NF}")"); stat -c %a "$d" > "$d/../mode"; '
                       'cp "$d/../mode" ' + str(fake_java) + '/mode; exit 1')
    with pytest.raises(GatewayError):
        gateway.ClientGateway.launch(timeout=30)
    assert (fake_java / "mode").read_text().strip() == "700"
    conn_file = (fake_java / "argv").read_text().split()[-1]
    assert not os.path.exists(os.path.dirname(conn_file))


def test_secrets_are_redacted_from_py4j_debug_logs(caplog):
    secret = gateway._new_secret()
    py4j_logger = logging.getLogger("py4j.java_gateway")
    with caplog.at_level(logging.DEBUG, logger="py4j.java_gateway"):
        py4j_logger.debug("Command to send: {0}".format(f"A\n{secret}\n"))
        py4j_logger.debug("Command to send: %s", f"A\n{secret}\n")
    assert len(caplog.records) == 2
    assert secret not in caplog.text
    assert "<secret>" in caplog.text


# -- the real client JVM (knit.jar + Hadoop's jars, no cluster needed) --------------------------------------

REAL_CHILD = textwrap.dedent("""
    import sys
    from knit import gateway
    c = gateway.client()
    print(c.proc.pid, flush=True)
    sys.stdin.read()
""")


@pytest.fixture
def hadoop_jars(tmp_path, monkeypatch):
    """A `hadoop` on PATH whose `classpath` lists Hadoop's jars (from the local cluster's cache)."""
    from knit.localcluster import hadoop_lib_dir
    bin_dir = tmp_path / "hbin"
    write_exe(bin_dir / "hadoop", f'echo "{hadoop_lib_dir()}/*"\n')
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    yield
    gateway.shutdown_client()


def test_real_gateway_handshake(hadoop_jars):
    c = gateway.client()
    try:
        assert gateway.client() is c  # one per process
        assert c.gateway.jvm.System.currentTimeMillis() > 0
        port = c.gateway.gateway_parameters.port
        secret = c.gateway.gateway_parameters.auth_token
        # the token is nowhere the OS shows other users: argv, environment (both read for real: each holds
        # what the JVM was given there)
        for name, given in (("cmdline", gateway.GATEWAY_MAIN), ("environ", "NO_PROXY=")):
            with open(f"/proc/{c.proc.pid}/{name}", "rb") as f:
                shown = f.read()
            assert given.encode() in shown and secret.encode() not in shown
        conn_dir = Path(c.workdir)
        assert stat.S_IMODE(conn_dir.stat().st_mode) == 0o700
        assert stat.S_IMODE((conn_dir / "gateway.json").stat().st_mode) == 0o600
        with pytest.raises(GatewayError, match="cannot connect"):
            gateway._open_gateway("127.0.0.1", port, "f" * 64)
    finally:
        gateway.shutdown_client()
    assert c.proc.poll() is not None  # stdin EOF stopped it
    assert not conn_dir.exists()


def test_real_gateway_dies_with_a_killed_python(hadoop_jars):
    child = subprocess.Popen([sys.executable, "-c", REAL_CHILD], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, cwd=str(Path(gateway.__file__).parent.parent))
    try:
        jvm_pid = int(child.stdout.readline())
        assert pid_alive(jvm_pid)
    finally:
        child.kill()  # SIGKILL: no atexit handler runs
        child.wait(30)
    wait_until(lambda: not pid_alive(jvm_pid), 60, f"client JVM {jvm_pid} to exit with its Python process",
               interval=0.2)
