"""Booths, language channels, interpreter consoles, relay and handover."""
