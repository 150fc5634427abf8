"""HTTP blueprints, one module per audience; every module with a `bp` is registered."""

import importlib
import pkgutil


def blueprints() -> list:
    found = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        bp = getattr(importlib.import_module(f"{__name__}.{module.name}"), "bp", None)
        if bp is not None:
            found.append(bp)
    return found
