"""The packages' names imported when first used (techcurve/lazy.py): each is the object
of its module, kept once loaded, listed by dir(), and an unknown name is Python's own
AttributeError."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import techcurve
import techcurve.assess as assess
import techcurve.pipeline as pipeline
import techcurve.render as render
import techcurve.render.curve as curve

backtest_pkg = importlib.import_module("techcurve.assess.backtest")  # assess.backtest: a name
PACKAGES = (techcurve, assess, backtest_pkg, pipeline, render, curve)
#: names that are also a submodule of their package: importing the submodule binds
#: the module to the name (Python's import system), whatever was looked up before
SUBMODULE_NAMES = {("techcurve", "normalize")}


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_every_lazy_name_is_its_modules_object(package: object) -> None:
    where: dict[str, str] = package._WHERE  # type: ignore[attr-defined]
    for name, spec in where.items():
        if (package.__name__, name) in SUBMODULE_NAMES:  # type: ignore[attr-defined]
            continue
        module = importlib.import_module(
            spec if "." in spec and not spec.startswith(".") else
            ("." + spec.lstrip(".")), package.__name__,  # type: ignore[attr-defined]
        )  # fmt: skip
        assert getattr(package, name) is getattr(module, name), name
        assert name in dir(package)


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_an_unknown_name_is_pythons_attribute_error(package: object) -> None:
    with pytest.raises(AttributeError, match=r"module '.*' has no attribute 'nope'"):
        package.nope  # type: ignore[attr-defined]  # noqa: B018


def test_a_pipeline_stage_named_like_its_module_is_the_function() -> None:
    """Importing ``pipeline.backtest`` (a module) binds its name in the package: the
    function of that name must win."""
    assert callable(pipeline.backtest)
    assert not isinstance(pipeline.backtest, type(sys))


def test_importing_the_package_loads_no_polars() -> None:
    code = "import sys, techcurve; print('polars' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
