"""The official 1EdTech JSON Schemas (shipped byte-exact in `schemas/`) and validation against them."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from jsonschema import Draft201909Validator
from referencing import Registry, Resource

SCHEMAS_DIR = Path(__file__).with_name("schemas")

OB_ACHIEVEMENT_CREDENTIAL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
OB_ENDORSEMENT_CREDENTIAL = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_endorsementcredential_schema.json"
CLR_CREDENTIAL = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_clrcredential_schema.json"
CLR_ACHIEVEMENT_CREDENTIAL = "https://purl.imsglobal.org/spec/clr/v2p0/schema/json/clr_v2p0_achievementcredential_schema.json"

SCHEMA_VALIDATOR_TYPE = "1EdTechJsonSchemaValidator2019"


@lru_cache(maxsize=1)
def _registry() -> tuple[Registry, dict[str, dict]]:
    schemas = {}
    for path in SCHEMAS_DIR.glob("*.json"):
        schema = json.loads(path.read_text(encoding="utf-8"))
        schemas[schema["$id"]] = schema
    registry = Registry().with_resources((sid, Resource.from_contents(s)) for sid, s in schemas.items())
    return registry, schemas


def known_schema(url: str) -> bool:
    return url in _registry()[1]


@lru_cache(maxsize=16)
def _validator(url: str) -> Draft201909Validator:
    registry, schemas = _registry()
    # Formats (date-time, uri...) are assertions here, not annotations: a credential with
    # "validFrom": "yesterday" is not a valid OB 3.0 credential.
    return Draft201909Validator(schemas[url], registry=registry, format_checker=Draft201909Validator.FORMAT_CHECKER)


def schema_errors(document: dict, url: str = OB_ACHIEVEMENT_CREDENTIAL) -> list[str]:
    """Every violation of the schema at `url`, each as 'path: message'; empty when valid."""
    if not known_schema(url):
        raise KeyError(f"no shipped schema {url}")
    errors = []
    for error in sorted(_validator(url).iter_errors(document), key=lambda e: list(e.absolute_path)):
        where = "/".join(str(p) for p in error.absolute_path) or "(document)"
        errors.append(f"{where}: {error.message[:300]}")
    return errors
