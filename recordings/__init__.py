"""Recordings: every language in one Matroska file, chapters from the agenda,
crash-safe, played back with a language choice."""
