"""Loose side effects of publishing (none yet beyond the hook point for cache purges)."""
