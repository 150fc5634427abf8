"""The constrained types request models are made of.

Lengths follow the columns the values end up in (PostgreSQL refuses a longer value with an
error where SQLite would store it), integers fit a 32-bit INTEGER column, and no text may hold a
NUL character (PostgreSQL cannot store one in text)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt,
                      StringConstraints)

DB_INT_MAX = 2 ** 31 - 1          # INTEGER columns (ids, offsets)
CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r"} | {"\x7f"}


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


def _single_line(value: str) -> str:
    if any(c in CONTROL or c in "\r\n" for c in value):
        raise ValueError("must not contain control characters or line breaks")
    return value


def text(max_length: int) -> Any:
    """Free text (line breaks allowed), at most `max_length` characters, no NUL."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_no_nul)]


def line(max_length: int) -> Any:
    """One line (an id, a code, a name): no control characters at all."""
    return Annotated[str, StringConstraints(max_length=max_length), AfterValidator(_single_line)]


def loose(max_length: int) -> Any:
    """A member whose type its domain judges (answering in its own terms, as OpenID4VCI's error
    codes require), while a string in it is still bounded here."""
    return line(max_length) | StrictInt | StrictFloat | StrictBool | dict | list | None


# A JSON integer naming a row (not a bool, not a string of digits).
DbId = Annotated[StrictInt, Field(ge=0, le=DB_INT_MAX)]
# A form field naming a row: digits, in range.
FormId = Annotated[int, Field(ge=0, le=DB_INT_MAX)]


class Body(BaseModel):
    """A JSON object: the members we use are declared; others pass (clients send extensions)."""
    model_config = ConfigDict(extra="allow", strict=False, str_strip_whitespace=False)


class Form(BaseModel):
    """Form fields or a query string: every value arrives as text; unknown names pass."""
    model_config = ConfigDict(extra="allow")


@dataclass(frozen=True)
class Route:
    """What one endpoint validates: its JSON body, its form, its query string."""
    body: type[BaseModel] | None = None
    form: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
