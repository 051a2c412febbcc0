"""Telegram-facing handlers: thin callbacks that parse, authorise, call bot/ and reply."""

from __future__ import annotations

from telegram.ext import Application

from handlers import errors, jobs, resident, staff


def register(app: Application) -> None:
    """Registers every handler and job on the application, in explicit groups.

    Staff handlers come first in the same group, so a staff command is never read as a
    resident's unknown command; everything else falls through to the resident handlers.
    """
    staff.register(app, group=0)
    resident.register(app, group=0)
    app.add_error_handler(errors.on_error)
    jobs.schedule(app)
