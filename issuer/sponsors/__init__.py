"""Sponsors are tenants: each sees and issues only its own programs, apprentices and credentials."""
