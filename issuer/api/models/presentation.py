"""The answers a wallet sends to a presentation request (issuer.presentation): the OpenID4VP
direct_post form and the VC-API exchange step. Only bounded here (no NUL, lengths): the
protocol judges the rest and answers in its own terms (OpenID4VP's `invalid_request`), which a
refusal here speaks too (issuer.api.edge)."""

from __future__ import annotations

from issuer.api.models.fields import Form, Route, line, text
from issuer.api.models.wallet import ExchangeStep

# A vp_token holds whole credentials; the request body limit (LER_MAX_BODY_BYTES) bounds it too.
MAX_VP_TOKEN = 1024 * 1024


class AuthorizationResponse(Form):
    vp_token: text(MAX_VP_TOKEN) | None = None
    state: line(200) | None = None
    error: line(200) | None = None
    error_description: text(2000) | None = None


ROUTES = {
    "presentation.direct_post": Route(form=AuthorizationResponse),
    "presentation.exchange": Route(body=ExchangeStep),
}
