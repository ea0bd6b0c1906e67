"""The main job: a local Hadoop cluster; Hadoop's DistributedShell, the usage page's Knit example and a Dask
computation on it, end to end.

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


def knit_usage_example() -> None:
    """The usage page's first example, in 2 containers, and what each printed."""
    import knit

    k = knit.Knit(replication_factor=1)
    cmd = "python -c 'import sys; print(sys.path); import socket; print(socket.gethostname())'"
    t0 = time.monotonic()
    app_id = k.start(cmd, num_containers=2)
    finished = k.wait_for_completion(timeout=180)
    print(f"Knit {app_id}: {k.report()['final_status'] if finished else 'not finished'} "
          f"in {time.monotonic() - t0:.1f} s")
    for container_id, files in sorted(k.logs().items()):
        if files.get("stdout", "").strip():
            print(f"  {container_id} stdout: {files['stdout'].strip()!r}")


def dask_example() -> None:
    """A Dask cluster whose 2 workers run in YARN containers, with an environment built (and cached) by pip."""
    import dask.array as da
    import numpy as np
    from dask.distributed import Client

    from dask_yarn import DaskYARNCluster

    t0 = time.monotonic()
    with DaskYARNCluster(packages=["dask", "distributed", "numpy"], replication_factor=1) as cluster:
        cluster.start(2, cpu=1, memory=512)
        with Client(cluster) as client:
            client.wait_for_workers(2, timeout=300)
            print(f"Dask: 2 workers connected in {time.monotonic() - t0:.1f} s")
            x = da.random.random((2000, 2000), chunks=500).persist()
            total = x.sum().compute()
            check = np.asarray(x.compute()).sum()  # the same numbers, summed here by numpy
            workers = sorted(client.run(lambda dask_worker: dask_worker.name).values())
        assert np.isclose(total, check), (total, check)
        print(f"  sum of 2000x2000 uniforms on the workers = {total:.3f}; numpy here: {check:.3f}")
        print(f"  workers (container ids): {workers}")
        print(f"  YARN application {cluster.knit.app_id} killed on exit")


def main() -> None:
    t0 = time.monotonic()
    with LocalCluster(nodes=2) as lc:
        print(f"local cluster ready in {time.monotonic() - t0:.1f} s: RM {lc.rm_web_address}, "
              f"HDFS {lc.namenode_address}")
        os.environ.update({k: lc.environ()[k] for k in ("HADOOP_CONF_DIR", "PATH")})
        distributed_shell_hello(lc)
        knit_usage_example()
        dask_example()
    print("local cluster stopped")


if __name__ == "__main__":
    main()
