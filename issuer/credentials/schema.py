"""The official 1EdTech JSON Schemas (shipped byte-exact in `schemas/`) and validation against them."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jsonschema import Draft201909Validator
    from referencing import Registry

SCHEMAS_DIR = Path(__file__).with_name("schemas")

OB_ACHIEVEMENT_CREDENTIAL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
OB_ENDORSEMENT_CREDENTIAL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
CLR_CREDENTIAL = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
CLR_ACHIEVEMENT_CREDENTIAL = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_achievementcredential_schema.json"

SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"


@lru_cache(maxsize=1)
def schemas() -> dict[str, dict]:
    """The shipped schemas by their $id."""
    found = {}
    for path in SCHEMAS_DIR.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        found[schema["$id"]] = schema
    return found


@lru_cache(maxsize=1)
def _registry() -> Registry:
    from referencing import Registry, Resource
    return Registry().with_resources((sid, Resource.from_contents(s)) for sid, s in schemas().items())


def known_schema(url: str) -> bool:
    return url in schemas()


@lru_cache(maxsize=16)
def _validator(url: str) -> Draft201909Validator:
    # Imported here, not at the top: importing jsonschema and referencing costs ~0.3 s (and ~2 s
    # more where the optional rfc3987-syntax is installed, whose IRI grammar is compiled at import),
    # which `ler verify` of a valid credential never needs (issuer.verify.schemas decides with
    # jsonschema-rs and asks this module only for the messages of an invalid one).
    from jsonschema import Draft201909Validator
    # Formats (date, date-time: all these schemas use) are assertions here, not annotations: a
    # credential with "validFrom": "yesterday" is not a valid OB 3.0 credential. jsonschema checks
    # date-time only with rfc3339-validator installed; without it the check would silently pass.
    checker = Draft201909Validator.FORMAT_CHECKER
    if "date-time" not in checker.checkers:
        raise RuntimeError("jsonschema cannot check date-time formats: install rfc3339-validator")
    return Draft201909Validator(schemas()[url], registry=_registry(), format_checker=checker)


def schema_errors(document: dict, url: str = OB_ACHIEVEMENT_CREDENTIAL) -> list[str]:
    """Every violation of the schema at `url`, each as 'path: message'; empty when valid."""
    if not known_schema(url):
        raise KeyError(f"no shipped schema {url}")
    errors = []
    for error in sorted(_validator(url).iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        errors.append(f"{where}: {error.message[:300]}")
    return errors
