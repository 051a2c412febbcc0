"""The outbox: messages written in the transaction that caused them, delivered later by a relay.

`queue` writes rows (any part of bot/ may call it); `relay` sends them with pacing and retries
through a channel's sender. Imports storage and bot's shared core, never a messenger library.
"""
