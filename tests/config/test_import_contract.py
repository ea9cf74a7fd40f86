"""The import contract (pyproject.toml's [tool.importlinter]) holds, and breaking it fails the
lint: each test breaks a copy of the tree the way a careless change would."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["config", "core", "worker", "security", "monitoring", "shop", "payments", "dashboard",
            "marketplace", "recommendations"]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.fixture
def tree(tmp_path) -> Path:
    """A copy of the project's packages and its contract."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "migrations"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def lint(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=tree, capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": str(tree)}, timeout=120, check=False,
    )


def add_line(path: Path, line: str) -> None:
    path.write_text(path.read_text() + f"\n{line}\n")


def test_the_contract_holds(tree):
    result = lint(tree)
    assert result.returncode == 0, result.stdout


def test_shop_importing_payments_breaks_the_layers(tree):
    add_line(tree / "shop" / "access.py", "import payments.models  # noqa")
    result = lint(tree)
    assert result.returncode != 0
    assert "Domain apps are layered" in result.stdout and "BROKEN" in result.stdout


@pytest.mark.parametrize("importer", ["dashboard/views.py", "marketplace/views.py"])
def test_the_dashboard_or_the_portal_importing_recommendations_breaks_the_layers(tree, importer):
    add_line(tree / importer, "import recommendations.selectors  # noqa")
    result = lint(tree)
    assert result.returncode != 0
    assert "Domain apps are layered" in result.stdout and "BROKEN" in result.stdout


def test_promotions_importing_a_service_breaks_their_contract(tree):
    add_line(tree / "shop" / "promotions" / "rules.py", "import shop.services.checkout  # noqa")
    result = lint(tree)
    assert result.returncode != 0
    assert "shop.promotions prices and checks codes" in result.stdout
    assert "BROKEN" in result.stdout


def test_monitoring_importing_a_domain_app_breaks_the_contract(tree):
    add_line(tree / "monitoring" / "health.py", "import shop.models  # noqa")
    result = lint(tree)
    assert result.returncode != 0
    assert "security and monitoring import no domain app BROKEN" in " ".join(result.stdout.split())


def test_config_importing_an_app_breaks_the_contract(tree):
    add_line(tree / "config" / "urls.py", "import monitoring.sentry  # noqa")
    result = lint(tree)
    assert result.returncode != 0
    assert "config imports no app BROKEN" in result.stdout


def test_a_cycle_through_an_import_inside_a_function_breaks_the_contract(tree):
    add_line(tree / "core" / "money.py", "def _late():\n    from core import http  # noqa")
    add_line(tree / "core" / "http.py", "from core import money  # noqa")
    result = lint(tree)
    assert result.returncode != 0
    assert "No cycles are allowed in core" in result.stdout
