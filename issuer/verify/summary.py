"""What an employer reads first: who holds the credential, what it says, under which program
and framework level, issued when and by whom; plain strings taken from the credential."""

from __future__ import annotations

from issuer.verify.vcdm import as_list
from issuer.vocab import ONET_SOC_TYPE, RAPIDS_TYPE


def _text(value) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _text(value.get("@value") or value.get("name"))
    if isinstance(value, list) and value:
        return _text(value[0])
    return None


def summarize(credential: dict | None) -> dict:
    if not isinstance(credential, dict):
        return {}
    issuer = credential.get("issuer")
    subject = next((s for s in as_list(credential.get("credentialSubject")) if isinstance(s, dict)), {})
    achievement = subject.get("achievement") if isinstance(subject.get("achievement"), dict) else {}
    level = None
    descriptions = {d.get("id"): d for d in as_list(achievement.get("resultDescription")) if isinstance(d, dict)}
    for result in as_list(subject.get("result")):
        if not isinstance(result, dict):
            continue
        description = descriptions.get(result.get("resultDescription"), {})
        for rubric in as_list(description.get("rubricCriterionLevel")):
            if isinstance(rubric, dict) and rubric.get("id") == result.get("achievedLevel"):
                level = _text(rubric.get("name"))
        level = level or _text(result.get("value"))
    frameworks = sorted({a.get("targetFramework") for a in as_list(achievement.get("alignment"))
                         if isinstance(a, dict) and isinstance(a.get("targetFramework"), str)
                         and a.get("targetType") not in (ONET_SOC_TYPE, RAPIDS_TYPE)})
    codes = {a.get("targetType"): a.get("targetCode") for a in as_list(achievement.get("alignment"))
             if isinstance(a, dict) and a.get("targetType") in (ONET_SOC_TYPE, RAPIDS_TYPE)}
    summary = {
        "name": _text(credential.get("name")) or _text(achievement.get("name")),
        "holder": _text(subject.get("name")) or subject.get("id"),
        "achievement": _text(achievement.get("name")),
        "achievementType": achievement.get("achievementType"),
        "description": _text(achievement.get("description")) or _text(credential.get("description")),
        "program": _text(achievement.get("fieldOfStudy")),
        "level": level,
        "frameworks": frameworks,
        "onetSoc": codes.get(ONET_SOC_TYPE),
        "rapids": codes.get(RAPIDS_TYPE),
        "issuer": _text(issuer.get("name")) if isinstance(issuer, dict) else None,
        "issuerId": issuer.get("id") if isinstance(issuer, dict) else issuer if isinstance(issuer, str) else None,
        "issued": credential.get("validFrom") or credential.get("issuanceDate"),
        "validUntil": credential.get("validUntil") or credential.get("expirationDate"),
        "id": credential.get("id") if isinstance(credential.get("id"), str) else None,
    }
    return {k: v for k, v in summary.items() if v}
