"""Several silkhall processes as one cluster through Redis: node registry,
meeting placement, shared storage and live state (like LiveKit's routing)."""
