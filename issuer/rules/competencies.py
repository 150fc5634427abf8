"""Competencies: each competency's highest standing sign-off against the program's top level."""

from __future__ import annotations

from collections.abc import Mapping

from issuer.rules.model import LedgerError
from issuer.rules.tally import Tally


def competency_shortfalls(program: Mapping, tally: Tally) -> tuple[list[str], int]:
    levels = tally.levels
    if not levels:
        raise LedgerError(f"program {program['id']} is {program['approach']} but lists no competency levels")
    top = levels[-1]
    missing = []
    for competency in program.get("competencies") or []:
        level = tally.level_of(competency["id"])
        if level is None:
            missing.append(f"{competency['id']}: not signed off, {top} needed")
        elif level != top:
            missing.append(f"{competency['id']}: at {level}, {top} needed")
    return missing, len(program.get("competencies") or []) - len(missing)
