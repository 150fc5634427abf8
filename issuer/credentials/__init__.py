"""Open Badges 3.0 / CLR 2.0 documents from plain data. No cryptography here."""
