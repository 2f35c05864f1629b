"""The bot uses only the public modules of python-telegram-bot and openpyxl: their private
ones (`telegram._utils`, `openpyxl.worksheet._write_only`, ...) change without notice."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")
LIBRARIES = ("telegram", "openpyxl")


def private_imports(source: str) -> list[str]:
    """The modules of LIBRARIES with a private part (`_name`) that `source` imports from."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] in LIBRARIES and any(part.startswith("_") for part in parts[1:]):
                found.append(name)
    return found


def test_the_check_finds_private_imports() -> None:
    assert private_imports("from telegram._utils.types import JSONDict") == [
        "telegram._utils.types",
        "telegram._utils.types.JSONDict",
    ]
    assert private_imports("import openpyxl.worksheet._read_only") == [
        "openpyxl.worksheet._read_only"
    ]
    assert private_imports("from telegram.ext import _utils") == ["telegram.ext._utils"]
    assert private_imports("from telegram.ext import Application\nimport openpyxl") == []
    assert private_imports("from ._private import x\nimport other._private") == []


def test_no_private_modules_of_telegram_or_openpyxl_are_imported() -> None:
    found = {
        str(path.relative_to(ROOT)): names
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if (names := private_imports(path.read_text(encoding="utf-8")))
    }
    assert found == {}
