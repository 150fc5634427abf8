"""Proofs know nothing about apprenticeships: JSON-LD loading, Data Integrity, VC-JWT, keys."""
