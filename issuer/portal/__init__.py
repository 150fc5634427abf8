"""The web portals: sponsor staff (roles, sessions, second factor), journeyworker sign-offs,
the apprentice's own view (magic-link sign-in), and the append-only audit log every domain
writes its changes to."""
