"""The locked dependencies agree with pyproject.toml, so a dependency added there without
`make lock` fails here instead of missing from the image or from CI."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
MAIN_LOCK = ROOT / "requirements" / "main.txt"
TEST_LOCK = ROOT / "requirements" / "test.txt"

PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>\S+)(?P<rest>.*)$")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}\b")


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def entries(lock: Path) -> list[str]:
    """The lock's requirement lines, continuations joined, comments dropped."""
    text = re.sub(r"\\\n", " ", lock.read_text())
    lines = (line.split(" #")[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def pins(lock: Path) -> dict[str, Version]:
    found = {}
    for line in entries(lock):
        match = PIN.match(line)
        if match:
            found[canonicalize_name(match["name"])] = Version(match["version"])
    return found


def declared(group: str) -> list[Requirement]:
    spec = project()
    if group == "main":
        return [Requirement(line) for line in spec["project"]["dependencies"]]
    return [Requirement(line) for line in spec["project"]["optional-dependencies"][group]]


# The project is installed without build isolation, from the lock's own setuptools.
def build_requirements() -> list[Requirement]:
    return [Requirement(line) for line in project()["build-system"]["requires"]]


@pytest.mark.parametrize(
    ("lock", "groups"),
    [(MAIN_LOCK, ["main"]), (TEST_LOCK, ["main", "test"])],
    ids=["main", "test"],
)
def test_every_declared_dependency_is_pinned_inside_its_range(lock, groups):
    pinned = pins(lock)
    wanted = [req for group in groups for req in declared(group)] + build_requirements()
    missing, outside = [], []
    for req in wanted:
        if req.marker and not req.marker.evaluate():
            continue
        version = pinned.get(canonicalize_name(req.name))
        if version is None:
            missing.append(str(req))
        elif not req.specifier.contains(version, prereleases=True):
            outside.append(f"{req} (locked {version})")
    assert not missing, f"not in {lock.name}; run `make lock`: {missing}"
    assert not outside, f"locked outside pyproject.toml's range; run `make lock`: {outside}"


@pytest.mark.parametrize("lock", [MAIN_LOCK, TEST_LOCK], ids=["main", "test"])
def test_every_pin_carries_a_hash_and_nothing_else_is_in_the_lock(lock):
    lines = entries(lock)
    assert lines
    for line in lines:
        # No index, find-links or local path: the lock reads the same on every machine.
        assert PIN.match(line), f"not a pinned requirement: {line!r}"
        assert HASH.search(line), f"no sha256 hash: {line!r}"


def test_the_test_lock_keeps_the_runtime_versions():
    runtime, test = pins(MAIN_LOCK), pins(TEST_LOCK)
    differ = {
        name: (version, test.get(name))
        for name, version in runtime.items()
        if test.get(name) != version
    }
    assert not differ, f"run `make lock`: {differ}"
