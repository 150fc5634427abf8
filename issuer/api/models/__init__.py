"""Declared request models, checked at the edge (issuer.api.edge) before a handler or the
database sees a request: types, lengths, integer ranges, no NUL characters.

Why pydantic v2 rather than JSON Schema: the same models check JSON bodies, HTML form fields
and query strings (with a form's text-to-number coercion, which JSON Schema has not), each error
carries the location of the field (which our problem+json `field` member and the portal's error
page name), models are plain typed classes that handlers and tests can import, and its core is
compiled (pydantic-core). The JSON Schemas we ship stay where they belong: checking credentials
against the 1EdTech and W3C schemas.

One module per audience: `fields` (the constrained types every model uses), `sponsor` (the
sponsor API), `vcapi` (VC-API), `wallet` (OpenID4VCI and exchanges), `presentation` (a wallet's
answer to a presentation request), `portal` (the consoles' forms and queries). `ROUTES` maps a Flask endpoint to what it validates.
"""

from __future__ import annotations

from issuer.api.models import portal, presentation, sponsor, vcapi, wallet
from issuer.api.models.fields import Route

ROUTES: dict[str, Route] = {**sponsor.ROUTES, **vcapi.ROUTES, **wallet.ROUTES, **portal.ROUTES,
                           **presentation.ROUTES}
