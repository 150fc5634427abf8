"""A VC-API exchange for verifiers, as the Learner Credential Wallet runs it.

TODO: presentation request and answer (being written).
"""

from __future__ import annotations

import json
from urllib.parse import quote, urlsplit

WORKFLOW = "verify"
LCW_REQUEST = "https://lcw.app/request"


def origin(base_url: str) -> str:
    """The VC-API `domain` (and LCW's credentialRequestOrigin): the service's origin."""
    parts = urlsplit(base_url)
    return f"{parts.scheme}://{parts.netloc}"


def exchange_url(base_url: str, token: str) -> str:
    return f"{base_url}/workflows/{WORKFLOW}/exchanges/{token}"


def lcw_deep_link(base_url: str, token: str) -> str:
    request = {"credentialRequestOrigin": origin(base_url), "protocols": {"vcapi": exchange_url(base_url, token)}}
    return f"{LCW_REQUEST}?request=" + quote(json.dumps(request, separators=(",", ":")), safe="")
