"""Work processes: on-the-job learning hours recorded against each work process, earned when
they reach the work process's hours."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from issuer.rules.model import OJL_HOURS, WORK_PROCESS, AchievementStatus, LedgerError, work_process_key
from issuer.rules.evidence import WorkProcessEvidence
from issuer.rules.tally import Tally, figure, hours_short


def work_process_needed(wp: Mapping) -> Decimal:
    needed = figure(wp.get("hours"))
    if needed is None:
        raise LedgerError(f"work process {wp['id']} has no hours")
    return needed


def work_process_status(wp: Mapping, tally: Tally) -> AchievementStatus:
    needed = work_process_needed(wp)
    done = tally.hours(OJL_HOURS, wp["id"])
    earned = done >= needed
    return AchievementStatus(
        key=work_process_key(wp["id"]),
        kind=WORK_PROCESS,
        title=f"Work process {wp['code']}: {wp['title']}" if wp.get("code") else wp["title"],
        earned=earned,
        missing=() if earned else (hours_short(wp["id"], done, needed, "OJL"),),
        done=done,
        needed=needed,
        covers=(wp["id"],),
        evidence=WorkProcessEvidence(wp["id"], tally.item_evidence(OJL_HOURS, wp["id"])),
        unit="hours",
    )
