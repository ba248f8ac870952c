"""The citizen turn: everything that happens to one message between a channel and a reply.

Channels translate their platform's updates into :class:`handlers.messages.Incoming`,
hand them to :class:`bot.turns.pipeline.TurnPipeline` and render the :class:`Reply` it
returns. Every rule about citizens — process an update once, the flood limit, privacy,
the conversation, remembering the question for a person, follow-up offers, opening a
handoff, the demand log — lives here once, whatever the channel.
"""
