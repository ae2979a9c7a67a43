"""The handoff store's schema revisions, oldest first."""
