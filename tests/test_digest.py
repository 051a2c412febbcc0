"""The morning digest: business days, catch-up, exactly once, splitting, and no personal data."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.channels.telegram.app import build_application
from bot.channels.telegram.context import SERVICES_KEY
from bot.channels.telegram.local_api import LocalBotApi
from bot.numbers.daily import digest_due, send_daily_digest
from bot.numbers.digest import render_digest
from bot.numbers.figures import AssigneeLoad, DigestData
from storage.db import create_engine, create_sessionmaker
from storage.models import DigestRun
from storage.outbox import outbox_messages
from storage.staff import get_staff_by_user
from storage.tickets import TicketChange, TicketDTO, create_ticket, update_ticket
from tests.fakes import Harness, settings_for_test
from tests.staff_helpers import add_staff

TOKYO = ZoneInfo("Asia/Tokyo")
SENSITIVE = (
    "Sato Hanako",
    "090-1234-5678",
    "+819012345678",
    "夫から暴力を受けています",
    "借金が300万円あります",
    "糖尿病",
)


def tokyo(year: int, month: int, day: int, hour: int = 8, minute: int = 30) -> datetime:
    """A council-local moment as UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO).astimezone(UTC)


async def make_ticket(
    harness: Harness,
    created: datetime,
    service: str = "consultation",
    priority: str = "normal",
    status: str = "new",
    assignee_id: int | None = None,
    **later: Any,
) -> TicketDTO:
    """A ticket stored as intake stores it, full of sensitive answers; `later` are changes
    made afterwards (first action, resolution …)."""
    from bot.tickets.lifecycle import unused_reference

    bday = harness.services.calendar.ordinal_at(created)
    async with harness.db.begin() as session:
        ticket = await create_ticket(
            session,
            reference=await unused_reference(session),
            resident_id=None,
            service=service,
            status=status,
            priority=priority,
            district_key="d01",
            contact_method="phone",
            phone="+819012345678",
            answers={
                "situation": "夫から暴力を受けています。借金が300万円あります",
                "contact_name": "Sato Hanako",
                "phone": "+819012345678",
                "dietary": "糖尿病",
            },
            locale="ja",
            source="resident",
            assignee_id=assignee_id,
            entered_by_id=None,
            minor=False,
            created_bday=bday,
            now=created,
        )
        if later:
            ticket = await update_ticket(session, ticket.id, created, TicketChange(**later))
        return ticket


def digest_texts(harness: Harness) -> list[str]:
    """Every digest message that reached the staff chat."""
    return [
        m.text
        for m in harness.staff_messages()
        if "Morning digest" in m.text
        or harness.ja().gettext("Morning digest {day}").split("{")[0] in m.text
    ]


@pytest.mark.parametrize(
    ("moment", "due"),
    [
        (tokyo(2026, 11, 27, 8, 29), None),  # Friday, before 08:30
        (tokyo(2026, 11, 27, 8, 30), date(2026, 11, 27)),  # Friday, at 08:30
        (tokyo(2026, 11, 27, 17, 0), date(2026, 11, 27)),  # later the same day
        (tokyo(2026, 11, 28, 9, 0), None),  # Saturday
        (tokyo(2026, 11, 29, 9, 0), None),  # Sunday
        (tokyo(2026, 11, 23, 9, 0), None),  # 勤労感謝の日 (Monday)
        (tokyo(2026, 11, 24, 9, 0), date(2026, 11, 24)),
        (tokyo(2026, 12, 28, 9, 0), date(2026, 12, 28)),
        (tokyo(2026, 12, 29, 9, 0), None),  # year-end closure
        (tokyo(2027, 1, 1, 9, 0), None),
        (tokyo(2027, 1, 4, 9, 0), date(2027, 1, 4)),  # first business day
        (tokyo(2027, 1, 11, 9, 0), None),  # 成人の日
    ],
)
async def test_business_day_rules(harness: Harness, moment: datetime, due: date | None) -> None:
    """Weekends, public holidays and 29 Dec–3 Jan have no digest; others do after 08:30."""
    assert digest_due(harness.services, moment) == due


async def test_closure_is_configurable(database_url: str, catalogs) -> None:
    """With the closure set to 28 Dec–4 Jan, those two days are closed too."""
    engine = create_engine(database_url)
    settings = settings_for_test(database_url, closure_start="12-28", closure_end="01-04")
    app = build_application(settings, create_sessionmaker(engine), LocalBotApi(), catalogs=catalogs)
    services = app.bot_data[SERVICES_KEY]
    assert digest_due(services, tokyo(2026, 12, 28, 9)) is None
    assert digest_due(services, tokyo(2027, 1, 4, 9)) is None
    assert digest_due(services, tokyo(2027, 1, 5, 9)) == date(2027, 1, 5)
    await engine.dispose()


async def test_sent_once_per_day_and_caught_up_after_downtime(harness: Harness) -> None:
    """Down at 08:30, back at 11:00: the digest goes then, and only once."""
    await make_ticket(harness, tokyo(2026, 11, 26, 14))
    harness.clock.now = tokyo(2026, 11, 27, 11, 0)
    assert await send_daily_digest(harness.services, harness.clock())
    assert not await send_daily_digest(harness.services, harness.clock())
    harness.clock.advance(hours=3)
    assert not await send_daily_digest(harness.services, harness.clock())
    await harness.relay()
    assert len(digest_texts(harness)) == 1


async def test_restart_at_digest_time_sends_once(harness: Harness) -> None:
    """A new Application on the same database at 08:30 does not send it again."""
    harness.clock.now = tokyo(2026, 11, 27, 8, 30)
    assert await send_daily_digest(harness.services, harness.clock())
    await harness.restart()
    assert not await send_daily_digest(harness.services, harness.clock())


async def test_three_runners_at_once_send_exactly_one(harness: Harness, catalogs) -> None:
    """Three bot processes on one database race at 08:30: one digest."""
    await make_ticket(harness, tokyo(2026, 11, 26, 14))
    moment = tokyo(2026, 11, 27, 8, 30)
    engines, runners = [], []
    for _ in range(3):
        engine = create_engine(harness.settings.resolved_database_url, harness.settings.keyring())
        app = build_application(
            harness.settings,
            create_sessionmaker(engine),
            LocalBotApi(),
            clock=lambda: moment,
            catalogs=catalogs,
        )
        engines.append(engine)
        runners.append(app.bot_data[SERVICES_KEY])
    results = await asyncio.gather(*(send_daily_digest(s, moment) for s in runners))
    assert sorted(results) == [False, False, True]
    async with harness.db() as session:
        assert len(list(await session.scalars(select(DigestRun)))) == 1
        digests = await outbox_messages(session, "digest")
    assert len(digests) == 1
    for engine in engines:
        await engine.dispose()


async def test_digest_never_contains_personal_data(harness: Harness) -> None:
    """Counts and references only: no names, phones or free text, whatever the answers."""
    staff = await add_staff(harness, 700001, "佐藤")
    await staff.send("/queue")
    for day in range(1, 6):
        await make_ticket(harness, tokyo(2026, 11, 20 + day, 10), priority="urgent")
        await make_ticket(harness, tokyo(2026, 11, 20 + day, 11), service="food")
    harness.clock.now = tokyo(2026, 11, 27, 8, 30)
    assert await send_daily_digest(harness.services, harness.clock())
    await harness.relay()
    texts = digest_texts(harness)
    assert texts
    for text in texts:
        for secret in SENSITIVE:
            assert secret not in text


async def test_digest_figures(harness: Harness) -> None:
    """New since the last digest, open by status, urgent, unassigned, longest, overdue, load."""
    ja = harness.ja()
    await add_staff(harness, 700001, "佐藤")
    async with harness.db() as session:
        sato = await get_staff_by_user(session, 700001)
    old = await make_ticket(harness, tokyo(2026, 11, 16, 10), service="volunteer_request")
    food = await make_ticket(
        harness, tokyo(2026, 11, 25, 10), service="food", status="assigned", assignee_id=sato.id
    )
    urgent = await make_ticket(harness, tokyo(2026, 11, 26, 15), priority="urgent")
    await make_ticket(harness, tokyo(2026, 11, 20, 10), status="closed")
    harness.clock.now = tokyo(2026, 11, 26, 8, 30)
    assert await send_daily_digest(harness.services, harness.clock())
    harness.clock.now = tokyo(2026, 11, 27, 8, 30)
    async with harness.db() as session:
        from bot.numbers.figures import collect_digest

        data = await collect_digest(session, harness.services, harness.clock())
    assert data.new_by_service == {"consultation": 1}
    assert data.open_by_status == {"new": 2, "assigned": 1}
    assert (data.urgent_count, data.urgent) == (1, [urgent.reference])
    assert data.unassigned_count == 2
    # 16 Nov → 27 Nov: 17,18,19,20,24,25,26,27 (23rd is a holiday) = 8 business days.
    assert data.longest_waiting[0] == (old.reference, 8)
    # Targets: urgent 0 days (1 day old: over), food 1 day (2 days old: over), others 3 (8: over).
    assert {ref for ref, _ in data.overdue} == {old.reference, food.reference, urgent.reference}
    assert data.by_assignee == [AssigneeLoad("佐藤", 1, overdue=1)]
    text = "\n".join(render_digest(data, ja))
    assert old.reference in text and "佐藤：1件（目標超過1件" in text


def test_long_digests_are_split_under_the_limit(harness: Harness) -> None:
    """A digest longer than 4096 characters becomes several messages; nothing is lost."""
    load = [AssigneeLoad(f"職員{i:03d}", i) for i in range(600)]
    data = DigestData(
        day=date(2026, 11, 27),
        since=None,
        new_by_service={"food": 3},
        open_by_status={"new": 3},
        urgent_count=0,
        urgent=[],
        unassigned_count=0,
        unassigned=[],
        longest_waiting=[],
        overdue_count=0,
        overdue=[],
        by_assignee=load,
    )
    parts = render_digest(data, harness.ja())
    assert len(parts) > 1
    assert all(len(part) <= 4096 for part in parts)
    joined = "\n".join(parts)
    assert all(f"職員{i:03d}：{i}件" in joined for i in range(600))


async def test_monday_digest_comes_with_the_weekly_chart(harness: Harness) -> None:
    """On Mondays the 12-week intake chart is posted with the digest, as a picture."""
    await make_ticket(harness, tokyo(2026, 11, 26, 10), service="food")
    harness.clock.now = tokyo(2026, 11, 30, 8, 30)
    assert await send_daily_digest(harness.services, harness.clock())
    await harness.relay()
    photos = [c for c in harness.api.calls if c.method == "sendPhoto"]
    assert len(photos) == 1
    [chart] = [m for m in harness.staff_messages() if m.document]
    assert chart.document.startswith(b"\x89PNG")


async def test_a_month_of_business_mornings(harness: Harness) -> None:
    """Ticking every 15 minutes through December: one digest each business morning, right counts."""
    start = tokyo(2026, 11, 30, 0, 0)
    harness.clock.now = start
    created_per_day: dict[date, int] = {}
    sent_days: list[date] = []
    calendar = harness.services.calendar
    for quarter in range(4 * 24 * 38):
        harness.clock.now = start + timedelta(minutes=15 * quarter)
        local = harness.clock.now.astimezone(TOKYO)
        if local.minute == 0 and local.hour in (10, 15):
            await make_ticket(harness, harness.clock.now, service="food")
            created_per_day[local.date()] = created_per_day.get(local.date(), 0) + 1
        if await send_daily_digest(harness.services, harness.clock.now):
            sent_days.append(local.date())
    expected = [
        d
        for d in (date(2026, 11, 30) + timedelta(days=i) for i in range(38))
        if calendar.is_business_day(d)
    ]
    assert sent_days == expected
    async with harness.db() as session:
        digests = [m.text for m in await outbox_messages(session, "digest")]
    assert len(digests) == len(expected)
    # Each digest counts the food tickets created since the previous digest's claim (08:30).
    for previous, day, text in zip(expected, expected[1:], digests[1:], strict=False):
        created = sum(n for d, n in created_per_day.items() if previous <= d < day)
        assert f"{harness.ja().gettext('Food support')}：{created}件" in text
