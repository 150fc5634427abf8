"""Framework levels: a level is earned when all its statements are attained and every lower
level is earned (statements are signed off by journeyworkers)."""

from __future__ import annotations

from collections.abc import Mapping

from issuer.rules.model import FRAMEWORK_LEVEL, AchievementStatus, level_key
from issuer.rules.evidence import LevelEvidence
from issuer.rules.state import sorted_levels
from issuer.rules.tally import Tally


def framework_levels(framework: Mapping, tally: Tally) -> list[AchievementStatus]:
    statuses = []
    unearned_below: list[str] = []
    for level in sorted_levels(framework):
        ids = tuple(s["id"] for s in level["statements"])
        own_missing = [f"{sid}: not attained" for sid in ids if sid not in tally.statements]
        lower = [f"{lid}: lower level not earned yet" for lid in unearned_below]
        earned = not own_missing and not unearned_below
        statuses.append(
            AchievementStatus(
                key=level_key(framework["id"], level["id"]),
                kind=FRAMEWORK_LEVEL,
                title=f"{framework['title']}: {level['label']}",
                earned=earned,
                missing=tuple(lower + own_missing),
                done=len(ids) - len(own_missing),
                needed=len(ids),
                covers=ids,
                evidence=LevelEvidence(framework["id"], framework["version"], level["id"],
                                       tally.statement_evidence(ids)),
                unit="statements",
            )
        )
        if not earned:
            unearned_below.append(level["id"])
    return statuses
