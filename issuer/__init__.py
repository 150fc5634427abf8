"""ler-issuer: signed Learning and Employment Record credentials for registered apprenticeships."""

__version__ = "0.1.0"
