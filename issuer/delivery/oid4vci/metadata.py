"""The Credential Issuer and Authorization Server metadata (the .well-known documents a wallet
reads first)."""

from __future__ import annotations

from issuer.credentials import clr
from issuer.credentials.openbadge import CONTEXT
from issuer.delivery.oid4vci.common import CONFIG_JWT, CONFIG_LDP, CONFIG_RECORD, CREDENTIAL_TYPES, \
    PRE_AUTHORIZED_GRANT, PROOF_ALGORITHMS


def _display(base_url: str, service_name: str) -> list[dict]:
    logo = f"{base_url}/delivery/logo.png"
    return [
        {"name": service_name, "locale": "en-US", "logo": {"uri": logo, "alt_text": f"{service_name} logo"}},
        {"name": service_name, "locale": "es-US", "logo": {"uri": logo, "alt_text": f"Logotipo de {service_name}"}},
    ]


LOCALES = ("en-US", "es-US")
# What a wallet's card of either kind shows besides its own first claim: (path, English, Spanish,
# mandatory).
SHARED_CLAIMS = ((["credentialSubject", "name"], "Apprentice", "Aprendiz", False),
                 (["issuer", "name"], "Sponsor", "Patrocinador", True),
                 (["validFrom"], "Valid from", "Válido desde", True))


def _claim(path: list[str], english: str, spanish: str, mandatory: bool) -> dict:
    claim: dict = {"path": path}
    if mandatory:
        claim["mandatory"] = True
    claim["display"] = [{"name": name, "locale": locale} for name, locale in zip((english, spanish), LOCALES)]
    return claim


def _card(base_url: str, *, names: tuple[str, str], descriptions: tuple[str, str], alts: tuple[str, str],
          background: str, first_claim: tuple) -> dict:
    """A configuration's look in the wallet (display, in English and Spanish) and its claims."""
    logo = {"uri": f"{base_url}/delivery/logo.png"}
    return {
        "display": [{"name": name, "locale": locale, "description": description,
                     "logo": {**logo, "alt_text": alt}, "background_color": background, "text_color": "#ffffff"}
                    for name, locale, description, alt in zip(names, LOCALES, descriptions, alts)],
        "claims": [_claim(*claim) for claim in (first_claim, *SHARED_CLAIMS)],
    }


def _credential_metadata(base_url: str) -> dict:
    return _card(
        base_url, names=("Apprenticeship achievement", "Logro de aprendizaje"),
        descriptions=("An Open Badges 3.0 credential attesting progress in a registered apprenticeship program.",
                      "Una credencial Open Badges 3.0 que da fe del progreso en un programa de aprendizaje "
                      "registrado."),
        alts=("Apprenticeship achievement badge", "Insignia de logro de aprendizaje"), background="#12355b",
        first_claim=(["credentialSubject", "achievement", "name"], "Achievement", "Logro", True))


def _record_metadata(base_url: str) -> dict:
    return _card(
        base_url, names=("Apprenticeship record", "Expediente de aprendizaje"),
        descriptions=("A CLR 2.0 record of a registered apprenticeship: every credential earned in the program, "
                      "each verifiable on its own, and how they relate.",
                      "Un expediente CLR 2.0 de un programa de aprendizaje registrado: cada credencial obtenida en "
                      "el programa, cada una verificable por sí sola, y cómo se relacionan."),
        alts=("Apprenticeship record", "Expediente de aprendizaje"), background="#0b2540",
        first_claim=(["name"], "Record", "Expediente", True))


def _binding(credential_metadata: dict) -> dict:
    """What every configuration shares: how the wallet binds it to its key, and its card's look."""
    return {
        "cryptographic_binding_methods_supported": ["did:key", "did:jwk", "jwk"],
        "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGORITHMS)}},
        "credential_metadata": credential_metadata,
        # Where draft 13 wallets look for the card's look; the final version reads credential_metadata.
        "display": credential_metadata["display"],
    }


def issuer_metadata(base_url: str, service_name: str) -> dict:
    """Credential Issuer Metadata (section 12.2): our OpenBadgeCredential as ldp_vc and jwt_vc_json,
    and the apprenticeship record (ClrCredential) as ldp_vc."""
    common = _binding(_credential_metadata(base_url))
    return {
        "credential_issuer": base_url,
        "credential_endpoint": f"{base_url}/oid4vci/credential",
        "nonce_endpoint": f"{base_url}/oid4vci/nonce",
        "notification_endpoint": f"{base_url}/oid4vci/notification",
        "display": _display(base_url, service_name),
        "credential_configurations_supported": {
            CONFIG_LDP: {"format": "ldp_vc", "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                         "credential_definition": {"@context": list(CONTEXT), "type": list(CREDENTIAL_TYPES)},
                         **common},
            CONFIG_JWT: {"format": "jwt_vc_json", "credential_signing_alg_values_supported": ["EdDSA"],
                         "credential_definition": {"type": list(CREDENTIAL_TYPES)}, **common},
            CONFIG_RECORD: {"format": "ldp_vc", "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                            "credential_definition": {"@context": list(clr.CONTEXT), "type": list(clr.TYPE)},
                            **_binding(_record_metadata(base_url))},
        },
    }


def authorization_server_metadata(base_url: str) -> dict:
    """RFC 8414 metadata of the (built-in) authorization server. `response_types_supported` is
    left out, as OpenID4VCI section 12.2.4 allows for a server with only the pre-authorized grant."""
    return {
        "issuer": base_url,
        "token_endpoint": f"{base_url}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


# -- offers --------------------------------------------------------------------------------
