"""What a person reads about an apprenticeship record (the transcript page and its PDF), taken
from the signed CLR itself, as `issuer.delivery.view` does for one credential: nothing shown can
disagree with what a verifier checks. Each held credential is described by `view.describe`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from issuer.delivery.pdf import NAVY, render_pdf
from issuer.delivery.render import render
from issuer.delivery.view import OCCUPATION_TYPES, CredentialView, describe
from issuer.issuance.lookup import row_id
from issuer.issuance.models import RecordVersion


@dataclass(frozen=True)
class Newer:
    """The enrolment's newest version, when the one shown is not it."""
    id: str
    version: int
    issued: str


@dataclass(frozen=True)
class KindGroup:
    """The held credentials of one kind (work processes, levels...), in the record's order."""
    label: str
    credentials: tuple[CredentialView, ...]


@dataclass(frozen=True)
class RecordView:
    id: str                         # the version's public id (its pages: /records/<id>)
    record_id: str                  # the CLR's own id, urn:uuid:<id>
    name: str
    apprentice: str
    sponsor: str
    issuer: str
    program: str
    program_version: str | None
    occupations: tuple[tuple[str, str], ...]     # ("O*NET-SOC", code), ("RAPIDS", code)
    version: int
    issued: str
    issued_at: datetime
    groups: tuple[KindGroup, ...]
    withdrawn: frozenset[str] = field(default_factory=frozenset)   # credential ids revoked since
    newer: Newer | None = None
    due: bool = False      # the newest version, but the credentials held changed since (see /current)

    @property
    def count(self) -> int:
        return sum(len(g.credentials) for g in self.groups)


def _date(moment: datetime) -> str:
    return moment.strftime("%B %-d, %Y")


def _occupations(subject: dict) -> tuple[tuple[str, str], ...]:
    """The program's codes: the alignments the record keeps on the occupation's achievement."""
    return tuple((OCCUPATION_TYPES[a["targetType"]], a.get("targetCode", ""))
                 for achievement in subject.get("achievement") or [] if isinstance(achievement, dict)
                 for a in achievement.get("alignment") or []
                 if isinstance(a, dict) and a.get("targetType") in OCCUPATION_TYPES)


def _groups(held: list[CredentialView]) -> tuple[KindGroup, ...]:
    """Consecutive credentials of one kind together: the record lists them by kind already."""
    groups: list[tuple[str, list[CredentialView]]] = []
    for view in held:
        if not groups or groups[-1][0] != view.kind:
            groups.append((view.kind, []))
        groups[-1][1].append(view)
    return tuple(KindGroup(label, tuple(views)) for label, views in groups)


def describe_record(version: RecordVersion, *, program: dict | None, newest: RecordVersion | None = None,
                    withdrawn: frozenset[str] = frozenset(), due: bool = False) -> RecordView:
    """The view of `version` (its stored, signed document); `newest`: the enrolment's newest
    version; `withdrawn`: the row ids of held credentials revoked since; `due`: the credentials
    held changed since the newest version, whose successor is made when /current is asked for."""
    document = version.document
    subject = document.get("credentialSubject") or {}
    issuer = document.get("issuer") if isinstance(document.get("issuer"), dict) else {}
    held = [describe(c, credential_id=row_id(c.get("id", "")), apprentice_name=subject.get("name"), program=program)
            for c in subject.get("verifiableCredential") or [] if isinstance(c, dict)]
    newer = None
    if newest is not None and newest.version > version.version:
        newer = Newer(newest.id, newest.version, _date(newest.issued_at))
    return RecordView(
        id=version.id, record_id=document.get("id", ""), name=document.get("name", ""),
        apprentice=subject.get("name") or "", sponsor=issuer.get("name", ""), issuer=issuer.get("id", ""),
        program=program["title"] if program else (held[0].program or "" if held else ""),
        program_version=f"{program['id']}, version {program['version']}" if program else None,
        occupations=_occupations(subject), version=version.version, issued=_date(version.issued_at),
        issued_at=version.issued_at, groups=_groups(held), withdrawn=withdrawn, newer=newer, due=due)


def transcript_pdf(config, view: RecordView, page_url: str) -> bytes:
    """The record as a printable transcript (templates/record_pdf.html, laid out by fpdf2)."""
    html = render(config, "record_pdf.html", view=view, page_url=page_url)
    return render_pdf(config, html, title=f"{view.name}: {view.apprentice}", author=view.sponsor, orientation="P",
                      margins=(16, 14), font_size=10,
                      headings={"h1": (NAVY, 18), "h2": (NAVY, 14), "h3": ((0, 0, 0), 12)})
