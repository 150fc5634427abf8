"""Sponsor batches: an uploaded file (progress rows or cohort certificates) that is validated
in full before anything is issued, approved by the sponsor, then run in the background in
chunks, crash-safe and exactly once, with a per-row report, the credentials as a ZIP, and
e-mail notices to the apprentices."""
