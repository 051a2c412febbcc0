"""Telegram-facing handlers: thin callbacks that parse, authorise, call bot/ and reply."""

from __future__ import annotations

from telegram.ext import Application

from handlers import errors, jobs, resident


def register(app: Application) -> None:
    """Registers every handler and job on the application, in explicit groups."""
    resident.register(app, group=0)
    app.add_error_handler(errors.on_error)
    jobs.schedule(app)
