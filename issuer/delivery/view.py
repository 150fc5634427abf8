"""What a person reads about a credential (pages, certificate, badge, email), taken from the
signed document itself so that nothing shown can disagree with what a verifier checks."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import urlencode

from issuer.dates import parse_datetime
from issuer.proofs.jwt import issuer_id
from issuer.vocab import ONET_SOC_TYPE, RAPIDS_TYPE

OCCUPATION_TYPES = {ONET_SOC_TYPE: "O*NET-SOC", RAPIDS_TYPE: "RAPIDS"}
KIND_LABELS = {"Competency": "Competency level", "ext:WorkProcess": "Work process",
               "ext:RelatedInstruction": "Related technical instruction",
               "ApprenticeshipCertificate": "Completed apprenticeship"}
_HOURS = re.compile(r":\s*(\d+(?:\.\d+)?) hours")


@dataclass
class Alignment:
    name: str
    code: str | None
    framework: str | None
    url: str | None


@dataclass
class CredentialView:
    id: str
    credential_id: str
    name: str
    description: str
    kind: str
    criteria: str
    apprentice: str
    sponsor: str
    issuer: str
    program: str | None
    program_version: str | None
    occupations: list[tuple[str, str]] = field(default_factory=list)
    level: str | None = None
    hours: str | None = None
    evidence: str | None = None
    alignments: list[Alignment] = field(default_factory=list)
    valid_from: str | None = None
    valid_until: str | None = None
    issued: datetime | None = None
    expires: datetime | None = None


def _moment(value) -> datetime | None:
    return parse_datetime(value)


def _date(value) -> str | None:
    moment = _moment(value)
    return moment.strftime("%B %-d, %Y") if moment else None


def _level(subject: dict, achievement: dict) -> str | None:
    results = subject.get("result") or []
    achieved = results[0].get("achievedLevel") if results and isinstance(results[0], dict) else None
    for description in achievement.get("resultDescription") or []:
        for level in description.get("rubricCriterionLevel") or []:
            if level.get("id") == achieved:
                return level.get("name")
    return None


def _hours(evidence: str | None) -> str | None:
    found = [Decimal(h) for h in _HOURS.findall(evidence or "")]
    return f"{sum(found).normalize():f}" if found else None


def describe(document: dict, *, credential_id: str, apprentice_name: str | None, program: dict | None) -> CredentialView:
    subject = document.get("credentialSubject") or {}
    achievement = subject.get("achievement") or {}
    evidence = "; ".join(e.get("narrative", "") for e in document.get("evidence") or [] if isinstance(e, dict)) or None
    alignments = [Alignment(a.get("targetName", ""), a.get("targetCode"), a.get("targetFramework"), a.get("targetUrl"))
                  for a in achievement.get("alignment") or [] if a.get("targetType") not in OCCUPATION_TYPES]
    occupations = [(OCCUPATION_TYPES[a["targetType"]], a.get("targetCode", ""))
                   for a in achievement.get("alignment") or [] if a.get("targetType") in OCCUPATION_TYPES]
    issuer = document.get("issuer")
    kind = achievement.get("achievementType", "")
    return CredentialView(
        id=document.get("id", ""),
        credential_id=credential_id,
        name=achievement.get("name") or document.get("name", ""),
        description=achievement.get("description", ""),
        kind=KIND_LABELS.get(kind, kind),
        criteria=(achievement.get("criteria") or {}).get("narrative", ""),
        apprentice=apprentice_name or subject.get("name") or "",
        sponsor=issuer.get("name", "") if isinstance(issuer, dict) else "",
        issuer=issuer_id(document) or "",
        program=program.get("title") if program else achievement.get("fieldOfStudy"),
        program_version=f"{program['id']}, version {program['version']}" if program else None,
        occupations=occupations,
        level=_level(subject, achievement),
        hours=_hours(evidence) if kind in ("ext:WorkProcess", "ext:RelatedInstruction") else None,
        evidence=evidence,
        alignments=alignments,
        valid_from=_date(document.get("validFrom")),
        valid_until=_date(document.get("validUntil")),
        issued=_moment(document.get("validFrom")),
        expires=_moment(document.get("validUntil")),
    )


def linkedin_url(view: CredentialView, page_url: str) -> str:
    """LinkedIn's "Add to profile" link for a certification, prefilled from the credential."""
    params = {"startTask": "CERTIFICATION_NAME", "name": view.name, "organizationName": view.sponsor,
              "certUrl": page_url, "certId": view.credential_id}
    if view.issued:
        params["issueYear"], params["issueMonth"] = str(view.issued.year), str(view.issued.month)
    if view.expires:
        params["expirationYear"], params["expirationMonth"] = str(view.expires.year), str(view.expires.month)
    return "https://www.linkedin.com/profile/add?" + urlencode(params)
