"""Imports every domain's `models` module so that Base.metadata (and alembic) sees all tables.

Discovered rather than listed, so a new domain's tables need no edit here.
"""

import importlib
import pkgutil
from pathlib import Path

for _module in pkgutil.iter_modules([str(Path(__file__).parent)]):
    if _module.ispkg and (Path(__file__).parent / _module.name / "models.py").exists():
        importlib.import_module(f"issuer.{_module.name}.models")
