"""Revocation and suspension: status slots, their audited changes, and the signed Bitstring
Status List credentials published for them."""
