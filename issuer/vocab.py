"""The JSON-LD context URLs the credentials we build and check name, and the few terms of our
vocabulary that the builder and the readers must spell alike.

A leaf module (it imports nothing) so that the credential builder, the proofs and the verifier
can all name a context without importing each other: `credentials/` must not import `proofs/`.
The documents themselves are in contexts/ (hash-checked by issuer.proofs.ld.ContextStore).
"""

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# The prefix every OB 3.0 context URL shares (3.0.0 to 3.0.3).
OB_CONTEXT_PREFIX = "https://purl.imsglobal.org/spec/ob/v3p0/context"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
STATUS_V1 = "https://www.w3.org/ns/credentials/status/v1"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

# The alignment `targetType`s (Open Badges 3.0 extension values) that name an occupation's
# codes: what the issuer writes and what the verifier, the pages and the employer's ask read.
ONET_SOC_TYPE = "ext:ONetSOC"
RAPIDS_TYPE = "ext:RAPIDS"
