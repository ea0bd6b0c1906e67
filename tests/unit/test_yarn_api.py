"""knit.yarn_api without a cluster (what the ResourceManager answers is tested against the real one in
tests/integration/test_yarn_api.py; the HTTP plumbing in test_rest.py)."""
import pytest

from knit.exceptions import ApplicationNotFound
from knit.yarn_api import check_app_id


def test_app_ids_are_checked_before_any_request():
    with pytest.raises(ApplicationNotFound):
        check_app_id("app_1")
    assert check_app_id("application_1795520804486_0003") == "application_1795520804486_0003"
