"""The declared shape of one CSV (or JSON batch) row, checked before any database call.

Progress rows (`ler import`, web and API batches) and cohort-certificate rows (batches) are
checked here alone, by pydantic models, as request bodies are at the HTTP edge
(`issuer.api.models`): every cell is text of one line, no longer than the column it is stored
in (PostgreSQL refuses a longer value where SQLite would keep it), without a NUL character
(PostgreSQL cannot store one), and dates are calendar dates in YYYY-MM-DD form. What depends on
the program or the ledger (an item's id, hours in range, a duplicate) is judged later, by the
importer. A failed row is reported by the first column that fails, in the header's order, with
a message that is the same on SQLite and PostgreSQL.

The models live in `progress/`, beside the importer, so that the CLI and the batch intake both
use them without importing `api/`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from issuer.progress.validation import EntryError, parse_date

# Column lengths (issuer.progress.models, issuer.batch.models); entry_ref as recording keeps it.
APPRENTICE_ID, NAME, EMAIL, DID, PROGRAM, ENTRY_TYPE, ITEM, VALUE, SIGNER, ENTRY_REF = (
    100, 200, 320, 500, 100, 20, 100, 40, 200, 200)
ACHIEVEMENT = 200
# The csv module's own limit is 128 KiB a field; an unknown column kept with the row must still be
# bounded, as it is stored with the batch.
OTHER_CELL = 1000
_CONTROL = {chr(c) for c in range(32)} - {"\t"} | {"\x7f"}   # a tab may stay: a cell is one line


def _refuse(message: str) -> PydanticCustomError:
    return PydanticCustomError("csv_cell", "{message}", {"message": message})


def _cell(max_length: int, required: bool):
    def check(value: str, info: ValidationInfo) -> str:
        name = info.field_name
        if "\x00" in value:
            raise _refuse(f"{name} holds a NUL character")
        if any(c in _CONTROL for c in value):
            raise _refuse(f"{name} holds a control character or a line break")
        if required and not value:
            raise _refuse(f"{name} is empty")
        if len(value) > max_length:
            raise _refuse(f"{name} is longer than {max_length} characters")
        return value
    return check


def cell(max_length: int, required: bool = False) -> Any:
    """A cell of one line, at most `max_length` characters, no NUL; `required`: not empty."""
    return Annotated[str, AfterValidator(_cell(max_length, required))]


def _date(required: bool):
    def check(value: str, info: ValidationInfo) -> str:
        if value or required:
            try:
                parse_date(value)
            except EntryError as exc:
                raise _refuse(exc.message if value else f"{info.field_name} is empty") from None
        return value
    return check


def date_cell(required: bool = True) -> Any:
    """A calendar date, YYYY-MM-DD (kept as the text it is: rows are stored as they came)."""
    return Annotated[str, AfterValidator(_cell(10, False)), AfterValidator(_date(required))]


class Row(BaseModel):
    """A row as read: every value is text (the reader strips it). A missing column is an empty
    one; columns not declared pass, but are bounded and free of NUL too (they are stored)."""
    model_config = ConfigDict(extra="allow", frozen=True, validate_default=True)

    @model_validator(mode="after")
    def _other_cells(self):
        for name, value in (self.model_extra or {}).items():
            shown = str(name).replace("\x00", "")
            if "\x00" in str(name) or "\x00" in str(value):
                raise PydanticCustomError("csv_cell", "{message}",
                                          {"message": f"{shown} holds a NUL character", "column": shown})
            if len(str(value)) > OTHER_CELL:
                raise PydanticCustomError("csv_cell", "{message}", {
                    "message": f"{shown} is longer than {OTHER_CELL} characters", "column": shown})
        return self


class ProgressRow(Row):
    apprentice_id: cell(APPRENTICE_ID, required=True) = ""
    apprentice_name: cell(NAME) = ""
    apprentice_email: cell(EMAIL) = ""
    apprentice_did: cell(DID) = ""
    program: cell(PROGRAM, required=True) = ""
    entry_type: cell(ENTRY_TYPE, required=True) = ""
    item: cell(ITEM, required=True) = ""
    value: cell(VALUE, required=True) = ""
    date: date_cell() = ""
    signed_off_by: cell(SIGNER) = ""
    entry_ref: cell(ENTRY_REF) = ""


class CohortRow(Row):
    apprentice_id: cell(APPRENTICE_ID, required=True) = ""
    program: cell(PROGRAM, required=True) = ""
    achievement: cell(ACHIEVEMENT, required=True) = ""
    completed_on: date_cell(required=False) = ""


def row_error(model: type[Row], row: dict) -> tuple[str | None, str] | None:
    """(the column, why) of the first cell of `row` that `model` refuses, or None."""
    try:
        model.model_validate(row)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        context = first.get("ctx") or {}
        column = str(first["loc"][0]) if first["loc"] else context.get("column")
        return column, context.get("message", first["msg"])
    return None
