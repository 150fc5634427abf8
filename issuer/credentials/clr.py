"""Build a CLR 2.0 `ClrCredential` (VCDM 2.0): one apprentice's whole registered apprenticeship
as one record, unsigned.

The record holds, as `verifiableCredential`, every Open Badges credential the sponsor has issued
to the apprentice in one program, each as signed (a CLR holds *verifiable* credentials, and
each stays verifiable inside it); the `achievement` of each; and `association`s saying how the
achievements relate (CLR 2.0, AssociationType): every work process, course of related
instruction and competency `isChildOf` the occupation (source: the part; target: the
occupation), and each framework level `precedes` the next one up. The program's identifiers
(O*NET-SOC, RAPIDS) are the occupation achievement's alignments and are named in the record's
description. The proof is added by `issuer.proofs`, as for any credential.

The record's `achievement` list names and describes each achievement as its credential does,
without the alignments and result descriptions (the occupation keeps its O*NET-SOC and RAPIDS
alignments): the list and the credential describe the same achievement (one id, so one node once
signed), and every object without an id in it (an alignment, a list of allowed values) would be
there twice, blank nodes alike that RDFC-1.0 tells apart only with its costly n-degree hashing;
a record of MAX_CREDENTIALS level credentials would exceed the canonicalization budget
(issuer.proofs.jsonld_fast) on those duplicates alone. The credentials, which carry them, are
in the record.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from issuer.credentials import identity
from issuer.credentials.openbadge import CONTEXT as OB_CONTEXT
from issuer.credentials.openbadge import Achievement, IssuerProfile, Recipient, xsd_datetime
from issuer.credentials.schema import CLR_CREDENTIAL, SCHEMA_VALIDATOR_TYPE, schema_errors
from issuer.errors import CredentialError

CLR_V2 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
# The CLR 2.0 schema's order: the VC context, the CLR context, the OB 3.0 context, then any
# (the OB extensions context defines the schema validator type named in credentialSchema).
CONTEXT = [OB_CONTEXT[0], CLR_V2, *OB_CONTEXT[1:]]
TYPE = ["VerifiableCredential", "ClrCredential"]

# The most credentials one record holds. Ours hold 6 to 13 today (one per work process, level,
# related instruction and the occupation); the largest seed program (3001CB) would reach about
# 70 if each of its 52 competencies and 12 courses had a credential. A verifier checks each held
# credential in full, so a record costs what its credentials cost (issuer.verify.budget bounds
# each, and the record per credential held): about 0.01 s of CPU per credential held
# (benchmarks/verify_clr.py, load average under 1 on 2 cores: 100 credentials, 318 KB, 0.85 to 1.04 s; 140, 1.1 to 1.9 s). 100 covers the
# largest seed program with room to spare and keeps a record within the second of CPU that any
# public request may cost (benchmarks/verify_worst.py verifies one of this size).
MAX_CREDENTIALS = 100

# Kinds of achievement, as the rules name them (issuer.rules.model), plus single competencies.
OCCUPATION = "occupation"
WORK_PROCESS = "work_process"
RELATED_INSTRUCTION = "related_instruction"
COMPETENCY = "competency"
FRAMEWORK_LEVEL = "framework_level"
# Also the order the record lists them in: the occupation first, the levels last, lowest first.
KINDS = (OCCUPATION, WORK_PROCESS, RELATED_INSTRUCTION, COMPETENCY, FRAMEWORK_LEVEL)

# What the record's `achievement` list keeps of each achievement: its plain statements, the
# criteria (the schema requires them) and the creator (named by id).
LISTED = ("id", "type", "achievementType", "name", "description", "criteria", "creator", "humanCode",
          "fieldOfStudy", "specialization", "tag", "creditsAvailable", "inLanguage", "version")

# CLR 2.0 AssociationType values used here: "the source is a child of the target" and "the
# source comes before the target".
IS_CHILD_OF = "isChildOf"
PRECEDES = "precedes"


@dataclass(frozen=True)
class ProgramIdentity:
    """The registered apprenticeship program the record is about."""
    title: str
    version: str
    onet_soc: str | None = None
    rapids_code: str | None = None

    def codes(self) -> str:
        named = [f"O*NET-SOC {self.onet_soc}" if self.onet_soc else None,
                 f"RAPIDS {self.rapids_code}" if self.rapids_code else None]
        return ", ".join(n for n in named if n)


@dataclass(frozen=True)
class LevelPosition:
    """Where a framework level stands: levels of one framework precede each other by `order`."""
    framework: str
    order: int


@dataclass(frozen=True)
class EarnedCredential:
    """A signed Open Badges credential already issued, and the kind of its achievement."""
    document: dict
    kind: str
    level: LevelPosition | None = None

    @property
    def achievement(self) -> dict:
        subject = self.document.get("credentialSubject")
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        if not isinstance(achievement, dict) or not isinstance(achievement.get("id"), str):
            raise CredentialError(f"credential {self.document.get('id')!r} names no achievement with an id")
        return achievement

    def sort_key(self) -> tuple:
        level = (self.level.framework, self.level.order) if self.level else ("", 0)
        return KINDS.index(self.kind), level, str(self.document.get("validFrom", "")), str(self.document.get("id"))


@dataclass(frozen=True)
class Association:
    association_type: str
    source_id: str
    target_id: str

    def to_json(self) -> dict:
        return {"type": "Association", "associationType": self.association_type,
                "sourceId": self.source_id, "targetId": self.target_id}


def associations(earned: Sequence[EarnedCredential], occupation_id: str) -> list[Association]:
    """Every part of the occupation is its child; each framework level precedes the next one up."""
    out, seen = [], set()
    for item in earned:
        achievement_id = item.achievement["id"]
        if item.kind != OCCUPATION and achievement_id not in seen:
            seen.add(achievement_id)
            out.append(Association(IS_CHILD_OF, achievement_id, occupation_id))
    levels: dict[str, dict[int, str]] = {}
    for item in earned:
        if item.kind == FRAMEWORK_LEVEL:
            levels.setdefault(item.level.framework, {})[item.level.order] = item.achievement["id"]
    for by_order in levels.values():
        ordered = [by_order[k] for k in sorted(by_order)]
        out += [Association(PRECEDES, lower, higher) for lower, higher in zip(ordered, ordered[1:])]
    return out


def _check_earned(earned: Sequence[EarnedCredential], recipient: Recipient) -> None:
    if not earned:
        raise CredentialError("a CLR holds at least one credential")
    if len(earned) > MAX_CREDENTIALS:
        raise CredentialError(f"a CLR holds at most {MAX_CREDENTIALS} credentials, not {len(earned)}")
    ids = set()
    for item in earned:
        document = item.document
        name = document.get("id")
        if item.kind not in KINDS:
            raise CredentialError(f"credential {name!r}: unknown achievement kind {item.kind!r}")
        if (item.kind == FRAMEWORK_LEVEL) != (item.level is not None):
            raise CredentialError(f"credential {name!r}: a framework level, and only one, has a level position")
        if "proof" not in document:
            raise CredentialError(f"credential {name!r} is not signed: a CLR holds verifiable credentials")
        if name in ids:
            raise CredentialError(f"credential {name!r} is given twice")
        ids.add(name)
        _ = item.achievement  # raises when there is none
        if not _issued_to(document.get("credentialSubject"), recipient):
            raise CredentialError(f"credential {name!r} was not issued to the CLR's recipient")


def _issued_to(subject, recipient: Recipient) -> bool:
    if not isinstance(subject, dict):
        return False
    if recipient.id and subject.get("id") is not None:
        return subject.get("id") == recipient.id
    identifiers = subject.get("identifier") or []
    return bool(recipient.email) and any(identity.matches(i, recipient.email)
                                         for i in (identifiers if isinstance(identifiers, list) else [identifiers]))


def _occupation_achievement(earned: Sequence[EarnedCredential], occupation: Achievement | None,
                            program: ProgramIdentity) -> dict:
    held = next((e.achievement for e in earned if e.kind == OCCUPATION), None)
    found = held or (occupation.to_json() if occupation is not None else None)
    if found is None:
        raise CredentialError("the occupation's achievement is needed (its credential, or the achievement "
                              "itself while not yet earned) to relate the other achievements to it")
    codes = {a.get("targetCode") for a in found.get("alignment") or [] if isinstance(a, dict)}
    for code in (program.onet_soc, program.rapids_code):
        if code and code not in codes:
            raise CredentialError(f"the occupation's achievement does not align to the program's code {code}")
    return found


def _listed(achievement: dict, identifiers: tuple[str, ...] = ()) -> dict:
    """An achievement as the record lists it: what names and describes it, without the
    alignments and result descriptions its credential carries (see the module's docstring),
    but for the alignments to `identifiers`, the program's codes, on the occupation."""
    listed = {k: v for k, v in achievement.items() if k in LISTED}
    kept = [a for a in achievement.get("alignment") or [] if isinstance(a, dict) and a.get("targetCode") in identifiers]
    if kept:
        listed["alignment"] = kept
    return listed


def build_clr(
    *,
    issuer: IssuerProfile,
    recipient: Recipient,
    program: ProgramIdentity,
    earned: Sequence[EarnedCredential],
    valid_from: datetime | str,
    occupation: Achievement | None = None,
    credential_id: str | None = None,
    credential_status: list[dict] | dict | None = None,
    partial: bool = False,
    validate: bool = True,
) -> dict:
    """An unsigned ClrCredential over `earned`; raises CredentialError on inputs that would make
    a wrong record (a credential of someone else, unsigned, given twice...) or one that would not
    meet the CLR 2.0 schema. `occupation`: the occupation's achievement, needed only while its
    credential is not among `earned`. `partial`: the record leaves out credentials the issuer
    holds for the learner (CLR 2.0 `partial`)."""
    _check_earned(earned, recipient)
    ordered = sorted(earned, key=EarnedCredential.sort_key)
    occupation_json = _occupation_achievement(ordered, occupation, program)
    codes = tuple(c for c in (program.onet_soc, program.rapids_code) if c)
    achievements = {occupation_json["id"]: _listed(occupation_json, codes)}
    for item in ordered:
        if item.achievement["id"] not in achievements:
            achievements[item.achievement["id"]] = _listed(item.achievement)
    subject = recipient.to_json()
    subject["type"] = ["ClrSubject"]
    if recipient.name:
        subject["name"] = recipient.name
    subject["achievement"] = list(achievements.values())
    subject["verifiableCredential"] = [item.document for item in ordered]
    subject["association"] = [a.to_json() for a in associations(ordered, occupation_json["id"])]
    holder = f" to {recipient.name}" if recipient.name else ""
    credential: dict = {
        "@context": list(CONTEXT),
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": list(TYPE),
        "name": f"{program.title}: registered apprenticeship record",
        "description": (f"Every credential {issuer.name} has issued{holder} in the registered apprenticeship "
                        f"program {program.title} ({program.codes() or 'no occupation code'}), version "
                        f"{program.version}, and how they relate: each part of the occupation is its child, "
                        f"and each framework level precedes the next."),
        "issuer": issuer.to_json(),
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": subject,
    }
    if partial:
        credential["partial"] = True
    if credential_status:
        credential["credentialStatus"] = credential_status
    credential["credentialSchema"] = [{"id": CLR_CREDENTIAL, "type": SCHEMA_VALIDATOR_TYPE}]
    if validate:
        errors = schema_errors(credential, CLR_CREDENTIAL)
        if errors:
            raise CredentialError("the record does not meet the CLR 2.0 schema: " + "; ".join(errors[:10]))
    return credential
