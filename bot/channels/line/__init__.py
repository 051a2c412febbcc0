"""The LINE edge: the webhook into the inbox, events to the resident desk, screens as LINE
messages, the outbox's LINE sender. May import linebot and any part of bot/; the desk never
learns what LINE is."""
