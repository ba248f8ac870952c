"""The conversation, channel-neutral: an incoming message becomes a reply."""
