"""What a credential says about an earned achievement: the OB 3.0 document, unsigned.

Achievement types: `Competency` for a framework level, `ext:WorkProcess` and
`ext:RelatedInstruction` for interim milestones, `ApprenticeshipCertificate` for the completed
occupation. Every credential aligns to the occupation's O*NET-SOC (and RAPIDS) code, and to
each statement, competency or work process it attests, at its published, versioned URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from issuer.credentials.openbadge import Achievement, Alignment, IssuerProfile, Recipient, build_credential
from issuer.issuance.evidence import evidence_of
from issuer.vocab import ONET_SOC_TYPE, RAPIDS_TYPE

ATTESTATION = (
    "This credential is the sponsor's attestation of progress recorded in its registered apprenticeship "
    "program. It is not a Certificate of Completion or an interim credential issued by the Registration "
    "Agency (29 CFR 29.2, 29.5(b)(16))."
)
ACHIEVEMENT_TYPES = {
    "framework_level": "Competency",
    "work_process": "ext:WorkProcess",
    "related_instruction": "ext:RelatedInstruction",
    "occupation": "ApprenticeshipCertificate",
}


@dataclass(frozen=True)
class Urls:
    base: str

    def program(self, program: dict) -> str:
        return f"{self.base}/programs/{program['id']}/{quote(program['version'], safe='')}"

    def program_item(self, program: dict, item_id: str) -> str:
        return f"{self.program(program)}/items/{item_id}"

    def framework(self, framework: dict) -> str:
        return f"{self.base}/frameworks/{framework['id']}/{quote(framework['version'], safe='')}"

    def statement(self, framework: dict, statement_id: str) -> str:
        return f"{self.framework(framework)}/statements/{statement_id}"

    def level(self, framework: dict, level_id: str) -> str:
        return f"{self.framework(framework)}/levels/{level_id}"

    def achievement(self, program: dict, key: str) -> str:
        return f"{self.program(program)}/achievements/{quote(key, safe='')}"


def _framework_name(framework: dict) -> str:
    return f"{framework['title']}, version {framework['version']}"


def _program_name(program: dict) -> str:
    return f"{program['title']} ({program['id']}), version {program['version']}"


def occupation_alignments(program: dict, urls: Urls) -> list[Alignment]:
    out = [Alignment(target_name=program["title"], target_code=program["onet_soc"], target_framework="O*NET-SOC",
                     target_type=ONET_SOC_TYPE, target_url=f"https://www.onetonline.org/link/summary/{program['onet_soc']}")] \
        if program.get("onet_soc") else []
    if program.get("rapids_code"):
        out.append(Alignment(target_name=program["title"], target_code=program["rapids_code"],
                             target_framework="RAPIDS occupation code", target_type=RAPIDS_TYPE,
                             target_url=f"{urls.program(program)}#rapids"))
    return out


def item_alignments(status, program: dict, frameworks: list[dict], urls: Urls) -> list[Alignment]:
    """An alignment for each statement, competency, work process or course the achievement covers."""
    targets: dict[str, tuple[str, str, str, str]] = {}  # id -> (name, framework, type, url)
    for fw in frameworks:
        for level in fw["levels"]:
            for s in level["statements"]:
                targets[s["id"]] = (s["text"], _framework_name(fw), "ceasn:Competency", urls.statement(fw, s["id"]))
    in_program = (("competencies", "text", "ceasn:Competency"), ("work_processes", "title", "ext:WorkProcess"))
    groups = [(program.get(kind) or [], name, type_) for kind, name, type_ in in_program]
    groups.append((((program.get("related_instruction") or {}).get("courses")) or [], "title", "ext:RelatedInstruction"))
    for items, name_key, target_type in groups:
        for item in items:
            targets.setdefault(item["id"], (item[name_key], _program_name(program), target_type,
                                            urls.program_item(program, item["id"])))
    return [Alignment(target_name=targets[i][0], target_code=i, target_framework=targets[i][1],
                      target_type=targets[i][2], target_url=targets[i][3]) for i in status.covers if i in targets]


def _level_result(status, frameworks: list[dict], urls: Urls, achievement_id: str):
    _, framework_id, level_id = status.key.split(":", 2)
    framework = next(fw for fw in frameworks if fw["id"] == framework_id)
    description_id = f"{achievement_id}#level"
    description = {
        "id": description_id,
        "type": ["ResultDescription"],
        "name": f"{framework['title']} level",
        "resultType": "RubricCriterionLevel",
        "allowedValue": [lvl["label"] for lvl in framework["levels"]],
        "rubricCriterionLevel": [
            {"id": urls.level(framework, lvl["id"]), "type": ["RubricCriterionLevel"], "name": lvl["label"],
             "level": str(lvl.get("order", i + 1))}
            for i, lvl in enumerate(framework["levels"])
        ],
    }
    result = {"type": ["Result"], "resultDescription": description_id,
              "achievedLevel": urls.level(framework, level_id)}
    return description, result


@dataclass(frozen=True)
class Award:
    """What every credential for one achievement of one program shares (the achievement with
    its alignments, the level result): built once, it serves a whole batch."""
    achievement: Achievement
    results: tuple[dict, ...] = ()


def award(*, status, program: dict, frameworks: list[dict], urls: Urls, issuer: IssuerProfile) -> Award:
    achievement_id = urls.achievement(program, status.key)
    results, descriptions = (), ()
    if status.kind == "framework_level":
        description, result = _level_result(status, frameworks, urls, achievement_id)
        results, descriptions = (result,), (description,)
    return Award(Achievement(
        id=achievement_id,
        name=status.title,
        description=f"{status.title}. {ATTESTATION}",
        criteria=_criteria(status, program),
        achievement_type=ACHIEVEMENT_TYPES[status.kind],
        alignments=tuple(item_alignments(status, program, frameworks, urls) + occupation_alignments(program, urls)),
        result_descriptions=descriptions,
        human_code=program.get("rapids_code"),
        field_of_study=program["title"],
        creator=issuer,
    ), results)


def build(*, status, program: dict, frameworks: list[dict], urls: Urls, issuer: IssuerProfile,
          recipient: Recipient, credential_id: str, valid_from: datetime, credential_status: dict,
          prepared: Award | None = None, validate: bool = True) -> dict:
    """`prepared`: the `award` for this status, when the caller keeps one. `validate=False`
    skips the OB 3.0 schema check (10x the cost of building), for bulk issuance, which checks
    the first credential of each shape and builds the rest alike."""
    prepared = prepared or award(status=status, program=program, frameworks=frameworks, urls=urls, issuer=issuer)
    return build_credential(issuer=issuer, recipient=recipient, achievement=prepared.achievement,
                            valid_from=valid_from, credential_id=credential_id, name=status.title,
                            description=ATTESTATION, results=list(prepared.results) or None,
                            evidence=evidence_of(status), credential_status=credential_status, validate=validate)


def _criteria(status, program: dict) -> str:
    approach = program.get("approach")
    if status.kind == "framework_level":
        return f"Every statement of this level attained and signed off, after every lower level ({len(status.covers)} statements)."
    if status.kind == "work_process":
        return f"At least {status.needed} hours of on-the-job learning recorded in this work process."
    if status.kind == "related_instruction":
        return f"At least {status.needed} hours of related technical instruction completed."
    return f"Every requirement of the {approach} program {program['title']} met, as recorded by the sponsor."
