"""The floors' import contract (pyproject.toml, [tool.importlinter]): the tree keeps it, and a
single upward import breaks it."""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(LINT_IMPORTS), "--config", str(ROOT / "pyproject.toml"),
                           "--no-cache"], cwd=tree, capture_output=True, text=True,
                          env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"})


def test_the_tree_keeps_the_floors():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 1 kept, 0 broken." in result.stdout


def test_an_upward_import_breaks_the_floors(tmp_path):
    # given a copy of the project's packages (their Python files)
    for package in CONFIG["root_packages"]:
        shutil.copytree(ROOT / package, tmp_path / package,
                        ignore=shutil.ignore_patterns("__pycache__", "*.html", "*.json"))
    # when the kernel imports the analysis app
    audit = tmp_path / "core" / "audit.py"
    audit.write_text(audit.read_text() + "\nfrom endpoints.serving import endpoint_report\n")
    result = lint_imports(tmp_path)
    # then the contract is broken, naming the import
    assert result.returncode != 0
    assert "core is not allowed to import endpoints" in result.stdout
    assert "core.audit -> endpoints.serving" in result.stdout
