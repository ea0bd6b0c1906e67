"""knit.condaspec: conda-style package specs translated for pip."""
import pytest

from knit.condaspec import check_python_constraint, conda_specs_to_pip
from knit.exceptions import SpecError


@pytest.mark.parametrize("spec, pip", [
    ("dask", "dask"),
    ("numpy=1.26", "numpy==1.26.*"),
    ("numpy==1.26.4", "numpy==1.26.4"),
    ("pandas>=2,<3", "pandas>=2,<3"),
    ("conda-forge::pandas=2.1=py311_0", "pandas==2.1.*"),
    ("scipy 1.11", "scipy==1.11.*"),
    ("a=1.2*", "a==1.2.*"),
    ("b=*", "b"),
    ("dask[distributed]=2024", "dask[distributed]==2024.*"),
])
def test_conda_spec_to_pip(spec, pip):
    assert conda_specs_to_pip([spec]) == ([pip], None)


def test_usage_page_packages_translate():
    reqs, python = conda_specs_to_pip(
        ["python=3", "distributed", "dask", "pandas", "scikit-learn"])
    assert reqs == ["distributed", "dask", "pandas", "scikit-learn"]
    assert python == "==3.*"
    check_python_constraint(python, "3.11.7", "/usr/bin/python3")


def test_python_constraint_unmet():
    with pytest.raises(SpecError, match=r"python==2.7.\*.*Python 3.11.7"):
        check_python_constraint("==2.7.*", "3.11.7", "/usr/bin/python3")
    check_python_constraint(">=3.8", "3.11.7", "/usr/bin/python3")
