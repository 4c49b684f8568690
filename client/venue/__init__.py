"""The venue client: a room's sound desk in, one language out to its PA."""
