"""Issuance: from an earned achievement to a signed, stored credential, exactly once."""
