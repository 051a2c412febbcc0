"""Runs the checks in order, skipping those whose premise failed; and the start-up subset
`madoguchi run` refuses on."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime

from pydantic import ValidationError

from bot.doctor import local_checks, telegram_checks
from bot.doctor.model import Check, Said, fail, ok, skip
from bot.doctor.probe import TelegramProbe
from bot.i18n import N_
from bot.settings import Settings

ProbeFactory = Callable[[Settings], AbstractAsyncContextManager[TelegramProbe]]


def settings_checks(settings: Settings | ValidationError) -> list[Check]:
    """The settings parse, and the ones without which requests reach no one are set."""
    if isinstance(settings, ValidationError):
        return [
            fail(
                "settings",
                Said(
                    N_("Setting MADOGUCHI_{name} is wrong: {problem}"),
                    {"name": str(error["loc"][0]).upper(), "problem": error["msg"]},
                ),
                Said(N_("Correct it in the environment or the .env file.")),
                fatal=True,
            )
            for error in settings.errors()
        ]
    checks = [ok("settings", Said(N_("The settings are read without errors.")))]
    if settings.bot_token is None:
        said = Said(N_("MADOGUCHI_BOT_TOKEN is not set."))
        advice = Said(
            N_("Create the bot with @BotFather and put its token in MADOGUCHI_BOT_TOKEN.")
        )
        checks.append(fail("token", said, advice, fatal=True))
    if settings.staff_chat_id is None:
        said = Said(N_("MADOGUCHI_STAFF_CHAT_ID is not set: new requests would reach no one."))
        advice = Said(
            N_("Add the bot to the staff group and set MADOGUCHI_STAFF_CHAT_ID to its id.")
        )
        checks.append(fail("staff_group", said, advice, fatal=True))
    return checks


async def telegram_part(settings: Settings, probe: TelegramProbe, *, full: bool) -> list[Check]:
    """The token, the staff group (and, when full, the admins, on-call chat and webhook)."""
    token, me = await telegram_checks.token_check(probe)
    checks = [token]
    if me is None or settings.staff_chat_id is None:
        return checks
    group = await telegram_checks.group_check(
        probe, me, settings.staff_chat_id, "staff_group", "MADOGUCHI_STAFF_CHAT_ID"
    )
    checks.append(group)
    if not full:
        return checks
    if group.status == "ok":
        checks.append(await telegram_checks.admins_check(probe, settings, settings.staff_chat_id))
    if settings.oncall_chat_id is not None:
        oncall = await telegram_checks.group_check(
            probe, me, settings.oncall_chat_id, "oncall_chat", "MADOGUCHI_ONCALL_CHAT_ID"
        )
        checks.append(oncall)
    checks.append(await telegram_checks.webhook_check(probe, settings))
    return checks


async def diagnose(
    settings: Settings | ValidationError, probes: ProbeFactory, now: datetime
) -> list[Check]:
    """Every check of a deployment, in the order an operator fixes them."""
    checks = settings_checks(settings)
    if isinstance(settings, ValidationError):
        return checks
    database = await local_checks.database_check(settings)
    checks += [database, await local_checks.key_check(settings, database.status == "ok")]
    if settings.bot_token is not None:
        async with probes(settings) as probe:
            checks += await telegram_part(settings, probe, full=True)
    else:
        checks.append(skip("telegram", Said(N_("Telegram is checked once the token is set."))))
    profile_checks, profile = local_checks.profile_checks(settings)
    checks += profile_checks
    checks += [
        local_checks.hours_check(settings, profile),
        local_checks.clock_check(settings, now),
        local_checks.disk_check(settings),
    ]
    return checks


async def start_refusals(settings: Settings, probes: ProbeFactory) -> list[Check]:
    """The cheap checks `run` makes at start that would lose requests when failed: the token
    and the staff group (the keys are checked as the database is readied)."""
    async with probes(settings) as probe:
        checks = await telegram_part(settings, probe, full=False)
    return [check for check in checks if check.failed and check.fatal]
