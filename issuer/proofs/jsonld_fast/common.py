"""What the fast paths share: pyld's own names (its keywords, its notion of an absolute IRI, its
number canonicalization, the RDF and XSD IRIs), so each step decides exactly as pyld does, and
the signal that a document is outside the fast paths' subset."""

from __future__ import annotations

import re
from typing import Any

from pyld import jsonld

from issuer.errors import SafeModeError

KEYWORDS = frozenset(jsonld.KEYWORDS)
get_context_value = jsonld.JsonLdProcessor.get_context_value
compare_values = jsonld.JsonLdProcessor.compare_values
# The very pattern pyld's _is_absolute_iri matches with (re.match, so `$` also accepts a trailing
# newline); a different notion of "absolute" would keep or drop different triples.
is_absolute = re.compile(r'^([A-Za-z][A-Za-z0-9+-.]*|_):[^\s]*$').match
is_double = jsonld._is_double
is_integer = jsonld._is_integer
canonicalize_double = jsonld._canonicalize_double

RDF_TYPE = jsonld.RDF_TYPE
RDF_LANGSTRING = jsonld.RDF_LANGSTRING
XSD_STRING = jsonld.XSD_STRING
XSD_BOOLEAN = jsonld.XSD_BOOLEAN
XSD_DOUBLE = jsonld.XSD_DOUBLE
XSD_INTEGER = jsonld.XSD_INTEGER

SCALARS = (str, int, float, bool)


class Unsupported(Exception):
    """The document uses JSON-LD outside the fast path's subset; pyld's own code takes over."""


def raise_dropped(expanded_property: Any) -> None:
    raise SafeModeError(f"undefined term {expanded_property!r}: no context defines it")
