"""The append-only progress ledger: OJL hours, RTI hours, competency sign-offs, statements."""
