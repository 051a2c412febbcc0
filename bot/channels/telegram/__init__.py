"""The Telegram edge: polling and webhook into the inbox, the inbox worker, rendering, sending.

Also the local Bot API and console for `madoguchi chat`. Imports python-telegram-bot and any
part of bot/; nothing outside channels/ and handlers/ imports this package or `telegram`.
"""
