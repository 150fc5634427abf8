"""The web portals without HTTP: who staff are and what they may do (roles), staff accounts and
journeyworker assignments (accounts), signing in with passwords, the second factor and apprentices'
magic links (signin, security, sealing), which apprentices a staff member sees (visibility),
progress laid out for people (progress_view), sign-offs as attestations (attestation, undo), and
the apprentice's transcript. Every change writes its audit row in the caller's transaction
(`issuer.audit.record`)."""
