"""Two locks: requirements.lock is what production installs (the Dockerfile, config/image.sh),
requirements-dev.lock adds the test and development tools. `make locks` writes both; these
tests keep a hand edit or a one-sided regeneration from splitting them."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Tools for tests and development only; none of them belongs in the production image.
DEV_ONLY = {
    "pytest",
    "pytest-django",
    "playwright",
    "axe-playwright-python",
    "factory-boy",
    "faker",
    "ruff",
    "honcho",
}


def _name(raw: str) -> str:
    """A distribution name as pip compares it (PEP 503)."""
    return re.sub(r"[-_.]+", "-", raw).lower()


def _pins(filename: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / filename).read_text().splitlines():
        match = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line)
        if match:
            pins[_name(match[1])] = match[2]
    assert pins, f"{filename} pins nothing"
    return pins


def _pyproject_names(requirements: list[str]) -> set[str]:
    return {_name(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", r)[0]) for r in requirements}


PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_production_lock_has_no_test_or_development_tools():
    assert not DEV_ONLY & _pins("requirements.lock").keys()


def test_every_main_dependency_is_in_the_production_lock():
    missing = _pyproject_names(PROJECT["dependencies"]) - _pins("requirements.lock").keys()
    assert not missing


def test_development_lock_has_every_extra():
    extras = PROJECT["optional-dependencies"]
    wanted = _pyproject_names(extras["dev"] + extras["local"]) | DEV_ONLY
    assert not wanted - _pins("requirements-dev.lock").keys()


def test_shared_packages_have_the_same_version_in_both_locks():
    production, development = _pins("requirements.lock"), _pins("requirements-dev.lock")
    # The development venv is production plus tools: nothing of production may be missing.
    assert not production.keys() - development.keys()
    differing = {
        name: (version, development[name])
        for name, version in production.items()
        if development[name] != version
    }
    assert not differing
