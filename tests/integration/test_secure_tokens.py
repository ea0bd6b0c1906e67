"""Long-running applications past their delegation tokens' lifetime, on a secure cluster of this module's own whose
HDFS tokens must be renewed every 20 s and die after 60 s.

Two keep-alive applications of alice's start together. The one started with her keytab still launches, after 3x
the maximum lifetime, a container that reads her HDFS file: its AM obtained new tokens. The one started with her
ticket only cannot: adding a container then fails with the diagnostic that says how to run longer, and its first
container, which reads the file every few seconds, shows the tokens it was given really stopped working (the
control: without renewal, nothing reads after the lifetime on this cluster).
"""
from __future__ import annotations

import re
import time
import uuid

import pytest

from helpers import app, wait_until
from kerberized import put_text, user
from knit import Knit
from knit.exceptions import KerberosError, YARNError

RENEW_S, MAX_S = 20, 60  # short, for CI's time; long enough for a container to start first on a busy machine
LIFETIMES = {"dfs.namenode.delegation.token.renew-interval": str(RENEW_S * 1000),
             "dfs.namenode.delegation.token.max-lifetime": str(MAX_S * 1000)}


@pytest.fixture(scope="module")
def short_lived(cluster_factory):
    return cluster_factory(secure=True, nm_memory=1536, conf=LIFETIMES)


def stdout_of(k: Knit, container_id: str) -> str:
    try:
        return k.logs(container_id).get(container_id, {}).get("stdout", "")
    except YARNError as e:  # not running on its NodeManager yet (HTTP 503): poll on
        return str(e)


def running_ids(k: Knit) -> list[str]:
    return [c["id"] for c in k.get_containers() if c["state"] == "RUNNING"]


def test_a_keytab_keeps_an_application_working_past_its_tokens_lifetime(short_lived, point_at, tmp_path,
                                                                         monkeypatch):
    point_at(short_lived)
    monkeypatch.setenv("KRB5CCNAME", short_lived.kinit("alice", tmp_path / "cc")["KRB5CCNAME"])
    path, content = f"/user/alice/long-{uuid.uuid4().hex[:8]}.txt", "still readable\n"
    put_text(short_lived, short_lived.environ() | {"KRB5CCNAME": str(tmp_path / "cc")}, path, content)
    cat = f"{short_lived.bin_dir}/hadoop fs -cat {path}"
    alice = user(short_lived, "alice")
    with_keytab = Knit(principal=alice["principal"], keytab=alice["keytab"])
    ticket_only = Knit()
    # the ticket-only app's container reads every 10 s, saying when each read worked or failed
    loop = f"while true; do if {cat} >/dev/null 2>&1; then echo OK $(date +%s); else echo FAIL $(date +%s); fi; sleep 10; done"
    with app(with_keytab, f"{cat}; sleep 900", keep_alive=True), app(ticket_only, loop, keep_alive=True):
        t0 = time.time()  # the tokens were obtained at submission, just before
        first = wait_until(lambda: running_ids(with_keytab), 180, "the keytab app's first container")[0]
        wait_until(lambda: content in stdout_of(with_keytab, first), 120, "its first read")
        watcher = wait_until(lambda: running_ids(ticket_only), 180, "the ticket app's container")[0]

        wait_until(lambda: time.time() > t0 + 3 * MAX_S, 3 * MAX_S + 60, "3x the tokens' maximum lifetime",
                   interval=5)
        # the control: the tokens the cluster gave out at submission have stopped working
        reads = re.findall(r"^(OK|FAIL) (\d+)$", stdout_of(ticket_only, watcher), re.M)
        assert reads and reads[0][0] == "OK", reads
        assert reads[-1][0] == "FAIL" and int(reads[-1][1]) < t0 + 3 * MAX_S + 30, reads
        assert not any(r == "OK" and int(t) > t0 + MAX_S + 15 for r, t in reads), reads

        # without a keytab: a new container is refused, saying why and what to do
        with pytest.raises(KerberosError) as err:
            ticket_only.add_containers(1)
        assert f"delegation token expired; start with principal=/keytab= to run longer than {MAX_S} s" in str(err.value)

        # with one: a new container starts and reads the file with the tokens the AM renewed
        with_keytab.add_containers(1)
        new = wait_until(lambda: [c for c in running_ids(with_keytab) if c != first], 180, "the new container")[0]
        wait_until(lambda: content in stdout_of(with_keytab, new), 120, "the new container's read")
        am_log = with_keytab.logs(re.sub(r"_\d+$", "_000001", first))
        rounds = sum(f.get("stderr", "").count("New delegation tokens") for f in am_log.values())
        assert rounds >= 3 * MAX_S // RENEW_S, am_log  # a round every ~15 s (75 % of the 20 s renew interval)
