"""Delivery: getting issued credentials to apprentices (OpenID4VCI, VC-API exchanges) and
rendering them for people (pages, certificates, QR codes, baked badge images)."""
