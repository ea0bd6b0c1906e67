"""The main job: a local Hadoop cluster, and a YARN application run on it, end to end.

Run it with ``bash scripts/demo.sh`` (which installs everything first).
"""
from __future__ import annotations

import glob
import os
import re
import subprocess
import time

from knit.localcluster import LocalCluster


def distributed_shell_hello(lc: LocalCluster) -> None:
    """Hadoop's own DistributedShell: `echo hello` in 2 containers, then its aggregated logs."""
    (jar,) = glob.glob(os.path.join(lc.lib_dir, "hadoop-yarn-applications-distributedshell-*.jar"))
    env = lc.environ()
    proc = subprocess.run(["hadoop", "jar", jar, "org.apache.hadoop.yarn.applications.distributedshell.Client",
                           "-jar", jar, "-shell_command", "echo hello", "-num_containers", "2",
                           "-container_memory", "128", "-master_memory", "256"],
                          env=env, capture_output=True, text=True, check=True)
    app_id = re.search(r"application_\d+_\d+", proc.stdout + proc.stderr).group(0)
    print(f"DistributedShell {app_id} finished")
    deadline = time.monotonic() + 60
    while True:
        logs = subprocess.run(["yarn", "logs", "-applicationId", app_id], env=env, capture_output=True,
                              text=True).stdout
        if len(re.findall(r"^hello$", logs, re.M)) == 2 or time.monotonic() > deadline:
            break
        time.sleep(1)
    for section in logs.split("Container: ")[1:]:
        container = section.split()[0]
        m = re.search(r"LogType:stdout\n.*?LogContents:\n(.*?)\nEnd of LogType", section, re.S)
        if m and m.group(1).strip():
            print(f"  {container} stdout: {m.group(1).strip()!r}")


def main() -> None:
    t0 = time.monotonic()
    with LocalCluster(nodes=2) as lc:
        print(f"local cluster ready in {time.monotonic() - t0:.1f} s: RM {lc.rm_web_address}, "
              f"HDFS {lc.namenode_address}")
        distributed_shell_hello(lc)
    print("local cluster stopped")


if __name__ == "__main__":
    main()
