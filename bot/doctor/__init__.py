"""`madoguchi doctor`: pre-flight checks of a deployment, and the ones `run` refuses to start on.

Imports settings, i18n, the office profile checks and storage's read-only pre-flight queries;
Telegram is reached only through the `TelegramProbe` interface that bot/channels implements.
"""
