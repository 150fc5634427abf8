"""The package's exception hierarchy, kept small on purpose (as pyjwt does).

Callers catch `LerError` for anything this package raises deliberately; the subclasses say
which layer refused. Verification never raises for a bad credential: it reports checks.
"""


class LerError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigurationError(LerError):
    """The service is set up wrongly (missing passphrase, tampered context file...)."""


class DocumentLoaderError(LerError):
    """A JSON-LD context or document was asked for that we do not serve offline."""


class JsonLdError(LerError):
    """The JSON-LD processor refused a document (syntax, protected term redefinition...)."""


class SafeModeError(JsonLdError):
    """A term or type is undefined by the document's contexts, so it would be silently dropped."""


class KeyError_(LerError):
    """A key is missing, unreadable, cannot be decrypted, or cannot do what was asked."""


class ProofError(LerError):
    """A proof cannot be created (unsupported suite, key mismatch, malformed options)."""


class CredentialError(LerError):
    """A credential cannot be built from the data given, or fails its schema."""
