"""Build and install Knit.

``pip install .`` runs Maven to build ``knit.jar`` (the YARN client + ApplicationMaster) and
``knit-localcluster.jar``, and ships both, with the pom that resolves Hadoop for the local
cluster, inside the ``knit`` package (``knit/java/``).
"""
import glob
import os
import shutil
import subprocess
import sys

from setuptools import Command, find_packages, setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
JAVA_DIR = os.path.join(HERE, "knit", "java")


def _require(tool, hint):
    if shutil.which(tool) is None:
        sys.exit(f"knit: building needs `{tool}` on PATH ({hint}).")


class BuildJar(Command):
    """Run ``mvn package`` and copy the JARs into ``knit/java``."""

    description = "build knit.jar with Maven"
    user_options = []

    def initialize_options(self):
        pass

    def finalize_options(self):
        pass

    def run(self):
        _require("mvn", "install Maven, e.g. `apt-get install maven`")
        javac = os.path.join(os.environ.get("JAVA_HOME", ""), "bin", "javac")
        if not (os.path.exists(javac) or shutil.which("javac")):
            sys.exit("knit: building needs a JDK (javac not found on PATH or in $JAVA_HOME/bin); "
                     "install one, e.g. `apt-get install openjdk-17-jdk-headless`.")
        cmd = ["mvn", "-B", "-q", "-f", os.path.join(HERE, "pom.xml"), "package", "-DskipTests"]
        print("knit: running " + " ".join(cmd), flush=True)
        proc = subprocess.run(cmd, cwd=HERE)
        if proc.returncode != 0:
            sys.exit(f"knit: Maven failed with exit code {proc.returncode}; see its output above.")
        os.makedirs(JAVA_DIR, exist_ok=True)
        shutil.copy(os.path.join(HERE, "target", "knit.jar"), os.path.join(JAVA_DIR, "knit.jar"))
        (lc,) = glob.glob(os.path.join(HERE, "target", "knit-*-localcluster.jar"))
        shutil.copy(lc, os.path.join(JAVA_DIR, "knit-localcluster.jar"))
        shutil.copy(os.path.join(HERE, "pom.xml"), os.path.join(JAVA_DIR, "pom.xml"))


class BuildPy(build_py):
    def run(self):
        self.run_command("build_jar")
        super().run()


setup(
    name="knit",
    version="0.1.0",
    description="Run programs and Dask clusters on Apache Hadoop YARN from Python",
    packages=find_packages(include=["knit", "knit.*", "dask_yarn", "dask_yarn.*"]),
    package_data={"knit": ["java/*.jar", "java/pom.xml"], "knit.shared": ["*.json", "*.txt"],
                  "dask_yarn": ["*.yaml"]},
    include_package_data=True,
    python_requires=">=3.10",
    install_requires=["py4j==0.10.9.9", "requests>=2.25"],
    extras_require={
        "dask": ["dask[array]>=2024.1", "distributed>=2024.1"],
        "kerberos": ["requests-gssapi"],
        "test": ["pytest>=7", "pytest-timeout", "numpy"],
    },
    entry_points={"console_scripts": ["knit=knit.cli:main"]},
    cmdclass={"build_jar": BuildJar, "build_py": BuildPy},
)
