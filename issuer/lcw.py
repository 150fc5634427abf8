"""The Learner Credential Wallet's (LCW) way into a VC-API exchange, whether it is to receive a
credential (issuer.delivery.exchanges) or to present one (issuer.presentation.vcapi): the deep
link it opens, `https://lcw.app/request?request=<JSON>` naming the `credentialRequestOrigin` it
shows the holder and the exchange URL under `protocols.vcapi`; that origin is also the `domain`
its DIDAuth signs."""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

LCW_REQUEST = "https://lcw.app/request"


def origin(base_url: str) -> str:
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def deep_link(base_url: str, exchange_url: str) -> str:
    request = {"credentialRequestOrigin": origin(base_url), "protocols": {"vcapi": exchange_url}}
    return f"{LCW_REQUEST}?request=" + quote(json.dumps(request, separators=(",", ":")), safe="")
