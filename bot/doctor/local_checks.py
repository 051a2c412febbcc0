"""Checks of this server: the database, the encryption key, the office profile, the office
hours, the clock and the disk. None of them changes anything."""

from __future__ import annotations

import asyncio
import re
import shutil
from datetime import datetime, time
from pathlib import Path

from bot.doctor.model import Check, Said, fail, ok, skip
from bot.i18n import N_
from bot.profile.problems import check_file, unverified_numbers
from bot.settings import EXAMPLE_PROFILE, OfficeProfile, Settings, load_profile
from storage import preflight
from storage.crypto import EncryptionKeyError, Keyring

MIGRATE = Said(N_("Run `madoguchi migrate` (as the service's user)."))
# Below this much free space the SQLite database (and its backups) may soon fail to write.
MIN_FREE_BYTES = 1 << 30
# A database that has not answered in this many seconds counts as unreachable.
DATABASE_TIMEOUT = 15.0
_CLOCK_TIME = re.compile(r"(\d{1,2})\s*[:：時]\s*(\d{2})?")


async def database_check(settings: Settings) -> Check:
    """The database can be reached and is at the newest migration."""
    url = settings.resolved_database_url
    file = preflight.sqlite_file(url)
    if file is not None and not file.exists():
        said = Said(N_("The database file {file} does not exist yet."), {"file": file})
        return fail("database", said, MIGRATE)
    try:
        current = await asyncio.wait_for(preflight.schema_revision(url), DATABASE_TIMEOUT)
    except Exception as error:  # noqa: BLE001 - any driver error means "not reachable"
        detail = f"{type(error).__name__}: {error}"[:300]
        said = Said(N_("The database cannot be reached."), detail=detail)
        advice = Said(
            N_(
                "Check MADOGUCHI_DATABASE_URL (host, port, database, user and password) and "
                "that PostgreSQL is running and accepts this server."
            )
        )
        return fail("database", said, advice)
    head = preflight.head_revision(url)
    if current != head:
        said = Said(
            N_("The database is at migration {current}; this version needs {head}."),
            {"current": current or "-", "head": head},
        )
        return fail("database", said, MIGRATE)
    return ok(
        "database", Said(N_("The database is reachable and migrated ({head})."), {"head": head})
    )


def key_file_path(settings: Settings) -> Path:
    """Where the SQLite deployment's key file is (or will be made)."""
    return settings.encryption_key_file or settings.data_dir / "madoguchi.key"


async def key_check(settings: Settings, database_ok: bool) -> Check:
    """The configured key is well formed, private and opens what the database holds."""
    new_key = Said(N_("Create a key with `madoguchi new-key` and keep a copy apart from backups."))
    if settings.encryption_key is not None:
        spec, source = settings.encryption_key.get_secret_value(), "MADOGUCHI_ENCRYPTION_KEY"
    elif settings.is_postgres:
        said = Said(N_("MADOGUCHI_ENCRYPTION_KEY is not set (PostgreSQL needs one)."))
        return fail("key", said, new_key, fatal=True)
    else:
        path = key_file_path(settings)
        if not path.exists():
            if database_ok and await preflight.has_key_checks(settings.resolved_database_url):
                said = Said(
                    N_("The key file {path} is missing, but the database holds sealed data."),
                    {"path": path},
                )
                advice = Said(N_("Put the key file back from the copy you keep."))
                return fail("key", said, advice, fatal=True)
            return ok(
                "key", Said(N_("No key file yet: the first start makes {path}."), {"path": path})
            )
        if path.stat().st_mode & 0o077:
            said = Said(N_("Other users may read the key file {path}."), {"path": path})
            advice = Said(N_("Run `chmod 600 {path}` as the service's user."), {"path": path})
            return fail("key", said, advice)
        spec, source = path.read_text().strip(), f"the key file {path}"
    try:
        keyring = Keyring(spec, source=source)
    except EncryptionKeyError as error:
        said = Said(N_("The encryption key is malformed."), detail=str(error))
        return fail("key", said, new_key, fatal=True)
    if not database_ok:
        return skip(
            "key", Said(N_("The key is well formed; the database must be ready to check it."))
        )
    problem = await preflight.key_problem(settings.resolved_database_url, keyring)
    if problem is not None:
        said = Said(N_("The encryption key does not fit the database."), detail=problem)
        return fail("key", said, None, fatal=True)
    return ok(
        "key", Said(N_("The encryption key ({kid}) opens the data."), {"kid": keyring.current})
    )


def profile_checks(settings: Settings) -> tuple[list[Check], OfficeProfile | None]:
    """The office profile is the council's own, complete, free of examples, lines verified."""
    path = settings.office_profile
    check_it = {"path": path}
    list_them = Said(
        N_(
            "`madoguchi profile check {path}` lists each with its line and shows what residents will read."
        ),
        check_it,
    )
    checks = []
    if path == EXAMPLE_PROFILE:
        said = Said(N_("MADOGUCHI_OFFICE_PROFILE is not set: the bot shows the example profile."))
        advice = Said(
            N_(
                "Copy office_profile.example.toml, fill in the council's own details and set "
                "MADOGUCHI_OFFICE_PROFILE to the copy."
            )
        )
        checks.append(fail("profile", said, advice))
    problems = check_file(path)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        said = Said(
            N_("The office profile {path} has {count} error(s)."),
            {**check_it, "count": len(errors)},
        )
        return [*checks, fail("profile", said, list_them)], None
    profile = load_profile(path)
    if not checks:
        checks.append(ok("profile", Said(N_("The office profile {path} is valid."), check_it)))
    examples = [p for p in problems if p.kind == "example"]
    if examples:
        said = Said(
            N_("The office profile still has {count} example value(s)."), {"count": len(examples)}
        )
        checks.append(fail("profile_examples", said, list_them))
    else:
        checks.append(
            ok("profile_examples", Said(N_("No example values are left in the office profile.")))
        )
    if numbers := unverified_numbers(profile):
        said = Said(
            N_("Crisis lines not marked verified: {numbers}."), {"numbers": ", ".join(numbers)}
        )
        advice = Said(
            N_(
                "Check each number, its hours and its languages on the line's own site, then "
                "set verified = true on that line."
            )
        )
        checks.append(fail("crisis_lines", said, advice))
    else:
        count = len(profile.crisis_lines)
        checks.append(
            ok(
                "crisis_lines",
                Said(N_("Every crisis line ({count}) is verified."), {"count": count}),
            )
        )
    return checks, profile


def hours_check(settings: Settings, profile: OfficeProfile | None) -> Check:
    """The office hours residents read in the profile agree with MADOGUCHI_OFFICE_OPENS/CLOSES
    (from which the bot tells them when staff are back)."""
    if profile is None:
        return skip(
            "office_hours", Said(N_("The office hours are checked once the profile loads."))
        )
    text = profile.hours.ja
    found = [time(int(h), int(m or 0)) for h, m in _CLOCK_TIME.findall(text) if int(h) < 24]
    settings_said = {
        "text": text,
        "opens": settings.office_opens.strftime("%H:%M"),
        "closes": settings.office_closes.strftime("%H:%M"),
    }
    if len(found) < 2:
        return skip(
            "office_hours",
            Said(
                N_("The profile's office hours (“{text}”) give no times to compare."), settings_said
            ),
        )
    if (found[0], found[1]) != (settings.office_opens, settings.office_closes):
        said = Said(
            N_(
                "The profile says the office is open “{text}”, but MADOGUCHI_OFFICE_OPENS/CLOSES "
                "say {opens}–{closes}."
            ),
            settings_said,
        )
        advice = Said(
            N_(
                "Make them agree: residents read the profile's hours, and the bot tells them "
                "when staff are back from the settings."
            )
        )
        return fail("office_hours", said, advice)
    return ok("office_hours", Said(N_("Office hours agree: {opens}–{closes}."), settings_said))


def clock_check(settings: Settings, now: datetime) -> Check:
    """The clock is set (not years behind) and the council's local time is shown to confirm."""
    local = now.astimezone(settings.tz)
    shown = {
        "local": local.strftime("%Y-%m-%d %H:%M"),
        "zone": settings.timezone,
        "offset": local.isoformat()[-6:],
    }
    if now.year < 2025:
        said = Said(N_("The clock says {local} ({zone}): it is not set."), shown)
        advice = Said(N_("Turn on time synchronisation: `timedatectl set-ntp true`."))
        return fail("clock", said, advice)
    return ok("clock", Said(N_("Clock: {local} {zone} (UTC{offset})."), shown))


def disk_check(settings: Settings) -> Check:
    """Free space where the SQLite database is written."""
    file = preflight.sqlite_file(settings.resolved_database_url)
    if file is None:
        return skip("disk", Said(N_("The database is not SQLite: its server keeps its own disk.")))
    folder = file.parent if file.parent.exists() else settings.data_dir
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    said_free = {"free": f"{free / (1 << 30):.1f}", "folder": folder}
    if free < MIN_FREE_BYTES:
        said = Said(N_("Only {free} GB free in {folder} for the SQLite database."), said_free)
        advice = Said(
            N_(
                "Free some space, or move MADOGUCHI_DATA_DIR to a larger disk: the database "
                "and its backups need room to grow."
            )
        )
        return fail("disk", said, advice)
    return ok("disk", Said(N_("{free} GB free in {folder}."), said_free))
