"""``knit start --secret-file NAME=PATH`` (knit.secret_files.read_paths): the content read locally, bad options
refused before anything is submitted. On the cluster: tests/integration/test_dask_tls.py uses secret files."""
import pytest

from knit import secret_files
from knit.exceptions import SpecError


def test_each_name_gets_the_content_of_its_local_file(tmp_path):
    (tmp_path / "t").write_bytes(b"\x00token\n")
    assert secret_files.read_paths([f"api.token={tmp_path / 't'}"]) == {"api.token": b"\x00token\n"}


@pytest.mark.parametrize("option, message", [
    ("no-equals", "NAME=PATH"), ("=path", "NAME=PATH"), ("name=", "NAME=PATH"),
    ("name=/nonexistent/knit-secret", "cannot read /nonexistent/knit-secret"),
])
def test_bad_options_are_refused_naming_the_problem(option, message):
    with pytest.raises(SpecError, match=message):
        secret_files.read_paths([option])
