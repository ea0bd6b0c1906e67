"""The test suite's own process checks (tests/helpers.py) find what is there: a check of "no process left" that
cannot see a live process would pass whatever leaked (as `pgrep -f "--dir ..."` did: exit 2, no output)."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from helpers import assert_no_process, pid_alive, processes_matching, reap, wait_until

SLEEPER = "import time; time.sleep(300)"


@pytest.fixture
def sleeper(tmp_path):
    """A live process whose command line holds ``--dir <unique path>``, as the local cluster's JVM does."""
    marker = f"--dir {tmp_path}/c[{uuid.uuid4().hex[:6]}]"  # `-` first and regex metacharacters, on purpose
    proc = subprocess.Popen([sys.executable, "-c", SLEEPER, *marker.split(" ", 1)])
    # Until the child has exec'd, /proc shows the forked parent's command line: a loaded machine made reap()
    # find nothing there once (the child was still pytest).
    wait_until(lambda: processes_matching(marker), 30, "the sleeper's command line in /proc", interval=0.05)
    yield proc, marker
    proc.kill()
    proc.wait(30)


def test_a_live_process_is_found_then_gone_once_killed(sleeper):
    proc, marker = sleeper
    assert processes_matching(marker) == [proc.pid]
    with pytest.raises(AssertionError, match="left behind"):
        assert_no_process(marker)
    assert pid_alive(proc.pid)
    proc.kill()
    wait_until(lambda: not processes_matching(marker), 30, "the killed process to be gone", interval=0.1)
    proc.wait(30)
    assert_no_process(marker)
    assert not pid_alive(proc.pid)


def test_parent_filter_and_a_zombie_is_not_alive(sleeper):
    proc, marker = sleeper
    assert processes_matching(marker, parent=proc.pid) == []  # it is our child, not its own
    assert processes_matching(marker, parent=os.getpid()) == [proc.pid]
    proc.kill()
    # not reaped yet: a zombie, which is no live process
    wait_until(lambda: not pid_alive(proc.pid), 30, "the killed child to become a zombie", interval=0.1)
    assert processes_matching(marker) == []


def test_reap_stops_what_was_left_and_says_what_it_was(sleeper):
    proc, marker = sleeper
    found = reap(marker, grace=0.5)
    assert f"{proc.pid}: " in found and marker in found
    proc.wait(30)
    assert reap(marker, grace=0.5) == ""


def test_reap_command_fails_the_run_that_left_a_process(sleeper):
    """`scripts/test.sh`'s cleanup: exit 1 naming what it stopped, 0 when nothing was left."""
    proc, marker = sleeper
    cmd = [sys.executable, str(Path(__file__).parents[1] / "helpers.py"), "reap", marker, "0.5"]
    left = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert left.returncode == 1 and f"{proc.pid}: " in left.stderr, left.stderr
    assert proc.wait(30) == -15  # SIGTERM was enough
    clean = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert (clean.returncode, clean.stderr) == (0, "")


def test_an_unreadable_process_table_is_an_error_not_none(tmp_path):
    fake = tmp_path / "proc"
    (fake / "4242" / "cmdline").mkdir(parents=True)  # a table entry that cannot be read as a file
    with pytest.raises(IsADirectoryError):
        processes_matching("anything", proc=fake)
    with pytest.raises(FileNotFoundError):
        processes_matching("anything", proc=tmp_path / "no-proc-here")
    with pytest.raises(ValueError, match="empty pattern"):
        processes_matching("")
