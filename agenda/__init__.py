"""Meetings' schedule: model, storage, validation, exports, live control."""
