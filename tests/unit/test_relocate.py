"""knit.relocate: a built environment's entry points run from wherever it is unpacked."""
import os
import subprocess
import sys

from knit.relocate import add_dask_scripts, rewrite_shebangs


def test_rewrite_shebangs_runs_from_anywhere(tmp_path):
    prefix = tmp_path / "env"
    (prefix / "bin").mkdir(parents=True)
    (prefix / "bin" / "python").symlink_to(sys.executable)
    script = prefix / "bin" / "hello"
    script.write_text("#!/build/machine/env/bin/python3.11 -E\n"
                      "import sys\nprint('hi', sys.flags.ignore_environment, sys.argv[1:])\n")
    script.chmod(0o755)
    long_form = prefix / "bin" / "long"
    long_form.write_text("#!/bin/sh\n'''exec' /very/long/build/path/bin/python \"$0\" \"$@\"\n"
                         "' '''\nprint('long ok')\n")
    long_form.chmod(0o755)
    shell = prefix / "bin" / "activate-ish"
    shell.write_text("#!/bin/bash\necho shell\n")
    (prefix / "bin" / "binary").write_bytes(b"\x7fELF...")
    assert rewrite_shebangs(prefix) == ["hello", "long"]
    assert shell.read_text() == "#!/bin/bash\necho shell\n"
    moved = tmp_path / "elsewhere"
    prefix.rename(moved)
    out = subprocess.run([str(moved / "bin" / "hello"), "a b"], capture_output=True, text=True,
                         check=True).stdout
    assert out == "hi 1 ['a b']\n"
    out = subprocess.run([str(moved / "bin" / "long")], capture_output=True, text=True,
                         check=True).stdout
    assert out == "long ok\n"
    # and run through an interpreter, as in `$PYTHON_BIN $CONDA_PREFIX/bin/hello`
    out = subprocess.run([sys.executable, str(moved / "bin" / "hello")], capture_output=True,
                         text=True, check=True).stdout
    assert out.startswith("hi ")
    assert os.stat(moved / "bin" / "hello").st_mode & 0o111


def test_dask_scripts_restored_as_relocatable_python(tmp_path):
    """`$PYTHON_BIN $CONDA_PREFIX/bin/dask-worker` (knit's documented command) works with today's distributed."""
    prefix = tmp_path / "env"
    cli = prefix / "lib" / "python3.11" / "site-packages" / "distributed" / "cli"
    cli.mkdir(parents=True)
    (cli / "dask_worker.py").write_text("def main():\n    print('worker main')\n    return 0\n")
    (cli / "__init__.py").write_text("")
    (cli.parent / "__init__.py").write_text("")  # a regular package, found before the real one
    (prefix / "bin").mkdir()
    os.symlink(sys.executable, prefix / "bin" / "python")
    assert add_dask_scripts(prefix) == ["dask-worker"]  # no dask_scheduler module: no script
    rewrite_shebangs(prefix)
    script = prefix / "bin" / "dask-worker"
    env = dict(os.environ, PYTHONPATH=str(cli.parent.parent))
    as_python = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True)
    assert as_python.stdout == "worker main\n", as_python.stderr
    as_program = subprocess.run([str(script)], env=env, capture_output=True, text=True)
    assert as_program.stdout == "worker main\n", as_program.stderr
    assert add_dask_scripts(prefix) == []  # never overwrites
