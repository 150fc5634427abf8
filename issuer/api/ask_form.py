"""The /verify page's second way: what an employer may ask an apprentice's wallet for, read from
the form. Either a completed apprenticeship in an occupation (an O*NET-SOC code: one of the
catalog's programs' occupations, or any code typed in the NN-NNNN.NN form), or any credential
from one of the catalog's programs.

A bad choice is the employer's to correct, so it comes back as a `FormError` naming the field
(the page shows it next to that field; a program asking JSON gets problem+json with `field`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from issuer.programs import catalog

ONET_SOC = re.compile(r"[0-9]{2}-[0-9]{4}\.[0-9]{2}")
KINDS = ("occupation", "program")
# Longer than any O*NET-SOC code or program id: what is longer is refused before any lookup.
MAX_FIELD = 100


@dataclass(frozen=True)
class Choices:
    """(code, title) of each occupation and (id, title) of each program in the catalog."""
    occupations: list[tuple[str, str]]
    programs: list[tuple[str, str]]

    def occupation_title(self, code: str) -> str | None:
        return dict(self.occupations).get(code)

    @property
    def occupation_options(self) -> list[tuple[str, str]]:
        """(value, words) of the form's occupation list."""
        return [(code, f"{code}: {title}") for code, title in self.occupations]

    @property
    def program_options(self) -> list[tuple[str, str]]:
        """(value, words) of the form's program list: titles repeat across programs, ids do not."""
        return [(program, f"{title} ({program})") for program, title in self.programs]


@dataclass(frozen=True)
class AskInput:
    kind: str
    code: str
    label: str
    field: str      # the form field the code came from


FIELD_LABELS = {"kind": "What to ask for", "occupation": "Occupation", "onet_code": "O*NET-SOC code",
                "program": "Program"}


class FormError(Exception):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message

    @property
    def label(self) -> str:
        """The field as the form labels it."""
        return FIELD_LABELS[self.field]


def choices(session) -> Choices:
    occupations: dict[str, str] = {}
    programs = []
    for row in catalog.all_latest_programs(session):
        document = row.document
        programs.append((row.program_id, document.get("title") or row.program_id))
        if document.get("onet_soc"):
            occupations.setdefault(document["onet_soc"], document.get("title") or document["onet_soc"])
    return Choices(sorted(occupations.items()), programs)


def _field(form, name: str) -> str:
    value = (form.get(name) or "").strip()
    if len(value) > MAX_FIELD:
        raise FormError(name, f"is longer than {MAX_FIELD} characters")
    return value


def read_ask(form, known: Choices) -> AskInput:
    """The ask the form names, or FormError for the first field that is wrong."""
    kind = _field(form, "kind")
    if kind not in KINDS:
        raise FormError("kind", "choose what to ask for: a completed apprenticeship in an occupation, "
                                "or any credential from a program")
    if kind == "program":
        program = _field(form, "program")
        title = dict(known.programs).get(program)
        if title is None:
            raise FormError("program", "choose one of the programs in the list")
        return AskInput(kind, program, f"any credential from the program “{title}” ({program})", "program")
    typed = _field(form, "onet_code")
    code = typed or _field(form, "occupation")
    if not ONET_SOC.fullmatch(code):
        field = "onet_code" if typed else "occupation"
        raise FormError(field, "an O*NET-SOC code has the form NN-NNNN.NN, for example 43-4051.00"
                        if code else "choose an occupation or type its O*NET-SOC code")
    title = known.occupation_title(code)
    label = f"a completed apprenticeship in O*NET-SOC {code}" + (f" ({title})" if title else "")
    return AskInput(kind, code, label, "onet_code" if typed else "occupation")
