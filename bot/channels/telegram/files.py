"""Photos and documents residents send: fetched from Telegram when they may be kept."""

from __future__ import annotations

from telegram import Message

from bot.resident.uploads import ACCEPTED_TYPES, MAX_UPLOAD_BYTES, Upload


async def fetch_upload(message: Message) -> Upload | None:
    """The photo or document of a message, with its bytes when its type and size may be kept
    (fetched before the update's transaction, so a slow download holds no lock); None for
    anything else."""
    if message.photo:
        item, name, mime = message.photo[-1], f"photo-{message.message_id}.jpg", "image/jpeg"
    elif message.document:
        item = message.document
        name, mime = item.file_name or f"file-{message.message_id}", item.mime_type or ""
    else:
        return None
    size = item.file_size or 0
    content = None
    if mime in ACCEPTED_TYPES and size <= MAX_UPLOAD_BYTES:
        telegram_file = await item.get_file()
        content = bytes(await telegram_file.download_as_bytearray())
        size = len(content)
    return Upload(name[:200], mime, size, content)
