"""Checks that ask Telegram: the token, the staff group and the bot's rights in it, the admins'
membership, the on-call chat and, in webhook mode, the webhook."""

from __future__ import annotations

from bot.doctor.model import Check, Said, fail, ok, skip
from bot.doctor.probe import BotView, ProbeError, TelegramProbe
from bot.i18n import N_
from bot.settings import Settings

UNREACHABLE = N_("Telegram could not be reached, or gave no usable answer.")
UNREACHABLE_HELP = N_(
    "Check the server's internet connection (and MADOGUCHI_BOT_API_URL if you set it), "
    "then run `madoguchi doctor` again."
)


def _unreachable(key: str, error: ProbeError) -> Check:
    """A check that could not run because Telegram gave no clear answer (never fatal: the bot
    retries, and a network outage must not keep it from starting)."""
    return fail(key, Said(UNREACHABLE, detail=error.detail), Said(UNREACHABLE_HELP))


async def token_check(probe: TelegramProbe) -> tuple[Check, BotView | None]:
    """getMe: the token works; the bot's account for the checks that follow."""
    try:
        me = await probe.me()
    except ProbeError as error:
        if error.kind != "unauthorized":
            return _unreachable("token", error), None
        said = Said(N_("Telegram refused the bot token."), detail=error.detail)
        advice = Said(
            N_(
                "Copy the token again from @BotFather (/mybots → the bot → API Token) into "
                "MADOGUCHI_BOT_TOKEN: the whole text, such as 123456789:AAE…"
            )
        )
        return fail("token", said, advice, fatal=True), None
    return ok("token", Said(N_("The bot token works: @{bot}."), {"bot": me.username})), me


async def group_check(
    probe: TelegramProbe, me: BotView, chat_id: int, key: str, setting: str
) -> Check:
    """The chat exists, is a group, and the bot is in it and may send messages there."""
    chat_said = {"chat": chat_id, "setting": setting, "bot": me.username}
    try:
        chat = await probe.chat(chat_id)
        member = await probe.member(chat_id, me.id)
    except ProbeError as error:
        if error.kind != "not_found":
            return _unreachable(key, error)
        said = Said(
            N_("The group {chat} ({setting}) was not found, or the bot is not in it."),
            chat_said,
            error.detail,
        )
        advice = Said(
            N_(
                "Add @{bot} to the group. Then set {setting} to the group's id, a number "
                "starting with -100 (forward a message from the group to @userinfobot, or "
                "read it in the bot's log)."
            ),
            chat_said,
        )
        return fail(key, said, advice, fatal=True)
    named = {**chat_said, "title": chat.title}
    if chat.kind not in ("group", "supergroup"):
        said = Said(
            N_("{setting} ({chat}) is not a group but a {kind} chat."), {**named, "kind": chat.kind}
        )
        advice = Said(N_("Set {setting} to the id of the staff's Telegram group."), named)
        return fail(key, said, advice, fatal=True)
    if not member.is_member:
        said = Said(N_("The bot @{bot} is not a member of the group “{title}”."), named)
        advice = Said(N_("Add @{bot} to the group “{title}” again."), named)
        return fail(key, said, advice, fatal=True)
    may_send = member.status in ("creator", "administrator") or (
        member.can_send if member.can_send is not None else chat.members_can_send
    )
    if not may_send:
        said = Said(N_("The bot @{bot} may not send messages in the group “{title}”."), named)
        advice = Said(
            N_(
                "In the group's settings, make @{bot} an administrator, or let members send "
                "messages. The bot needs no other right: it edits and deletes only its own "
                "messages and pins nothing."
            ),
            named,
        )
        return fail(key, said, advice, fatal=True)
    return ok(key, Said(N_("The bot is in the group “{title}” and may send messages."), named))


async def admins_check(probe: TelegramProbe, settings: Settings, chat_id: int) -> Check:
    """Every id in MADOGUCHI_ADMIN_IDS is a member of the staff group."""
    if not settings.admin_ids:
        said = Said(N_("MADOGUCHI_ADMIN_IDS is empty: nobody can add staff or run admin commands."))
        advice = Said(
            N_(
                "Set MADOGUCHI_ADMIN_IDS to the numeric Telegram ids of the staff who "
                "manage the bot, separated by commas."
            )
        )
        return fail("admins", said, advice)
    missing = []
    for admin in settings.admin_ids:
        try:
            member = await probe.member(chat_id, admin)
        except ProbeError as error:
            if error.kind != "not_found":
                return _unreachable("admins", error)
            missing.append(admin)
            continue
        if not member.is_member:
            missing.append(admin)
    if missing:
        ids = ", ".join(str(m) for m in missing)
        said = Said(N_("Not in the staff group: admin id(s) {ids}."), {"ids": ids})
        advice = Said(
            N_(
                "Invite them to the staff group, or correct MADOGUCHI_ADMIN_IDS (an admin "
                "who is not in the group never sees new requests)."
            )
        )
        return fail("admins", said, advice)
    count = len(settings.admin_ids)
    return ok("admins", Said(N_("Every admin ({count}) is in the staff group."), {"count": count}))


async def webhook_check(probe: TelegramProbe, settings: Settings) -> Check:
    """In webhook mode: Telegram posts to our URL, with no delivery error, and a secret is set."""
    if not settings.webhook_url:
        return skip("webhook", Said(N_("Long polling (MADOGUCHI_WEBHOOK_URL is not set).")))
    url = settings.webhook_url
    if settings.webhook_secret is None:
        said = Said(N_("MADOGUCHI_WEBHOOK_SECRET is not set."))
        advice = Said(
            N_(
                "Set MADOGUCHI_WEBHOOK_SECRET to 16 to 256 characters from A-Z a-z 0-9 _ -, "
                "so that only Telegram can post updates."
            )
        )
        return fail("webhook", said, advice, fatal=True)
    try:
        info = await probe.webhook()
    except ProbeError as error:
        return _unreachable("webhook", error)
    if info.url != url:
        said = Said(
            N_("Telegram posts updates to “{actual}”, not to {url}."),
            {"actual": info.url, "url": url},
        )
        advice = Said(
            N_(
                "Start the bot with `madoguchi run --webhook`: it tells Telegram the address "
                "in MADOGUCHI_WEBHOOK_URL. Only one server may use this token."
            )
        )
        return fail("webhook", said, advice)
    if info.last_error:
        said = Said(
            N_("Telegram's last delivery to {url} failed ({pending} update(s) waiting)."),
            {"url": url, "pending": info.pending},
            detail=info.last_error,
        )
        advice = Said(
            N_(
                "Check that {url} is reachable from the internet over HTTPS with a valid "
                "certificate, and that the proxy forwards it to MADOGUCHI_WEBHOOK_LISTEN and "
                "MADOGUCHI_WEBHOOK_PORT."
            ),
            {"url": url},
        )
        return fail("webhook", said, advice)
    said = Said(
        N_("Telegram posts updates to {url} ({pending} waiting)."),
        {"url": url, "pending": info.pending},
    )
    return ok("webhook", said)
