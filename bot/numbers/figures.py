"""The numbers staff see: digest and statistics figures, gathered with SQL aggregates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from storage import aggregates as agg
from storage.models import Priority, Ticket, TicketStatus, open_ticket_condition
from storage.staff import staff_names
from storage.tickets import answers_between, follow_ups_due

LIST_LIMIT = 10


@dataclass(frozen=True)
class DigestData:
    """Counts and references for one morning's digest (never names or answers)."""

    day: date
    since: datetime | None
    new_by_service: dict[str, int]
    open_by_status: dict[str, int]
    urgent_count: int
    urgent: list[str]
    unassigned_count: int
    unassigned: list[str]
    longest_waiting: list[tuple[str, int]]
    overdue_count: int
    overdue: list[tuple[str, int]]
    # (reference, assignee's name or "") of open tickets whose follow-up date has come.
    follow_ups: list[tuple[str, str]] = field(default_factory=list)
    # One line per staff member with open tickets, for the weekly team meeting.
    by_assignee: list[AssigneeLoad] = field(default_factory=list)


@dataclass(frozen=True)
class AssigneeLoad:
    """One staff member's open tickets: how many, over target, waiting on the resident, due."""

    name: str
    open: int
    overdue: int = 0
    waiting: int = 0
    follow_ups: int = 0


@dataclass(frozen=True)
class StatsData:
    """Intake and outcomes of a period."""

    label: str
    start: date
    end: date
    by_service: dict[str, int]
    by_district: dict[str, int]
    by_status: dict[str, int]
    median_first_action: float | None
    median_resolution: float | None
    referrals: dict[str, int]
    # Outcomes chosen when closing in the period, and distinct residents (実人数) behind the
    # tickets received (those erased since count no more).
    outcomes: dict[str, int] = field(default_factory=dict)
    people: int = 0
    # Food support: households (requests) and the people living in them; consultations by
    # topic; contacts staff logged, by kind. Erased requests no longer have their answers.
    food_households: int = 0
    food_people: int = 0
    topics: dict[str, int] = field(default_factory=dict)
    contacts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Tickets received in the period."""
        return sum(self.by_service.values())


def target_rules(services: Services) -> tuple[agg.TargetRule, ...]:
    """The service-level targets, first match wins: urgent tickets, volunteer registrations
    (registry records that never age), food support, the rest."""
    s = services.settings
    return (
        agg.TargetRule(s.target_urgent_days, priority=Priority.URGENT),
        agg.TargetRule(0, service="volunteer_registration", exempt=True),
        agg.TargetRule(s.target_food_days, service="food"),
        agg.TargetRule(s.target_default_days),
    )


async def collect_digest(session: AsyncSession, services: Services, now: datetime) -> DigestData:
    """Gathers a digest's figures as of now."""
    calendar = services.calendar
    today = calendar.local_day(now)
    today_bday = calendar.ordinal(today)
    previous = await agg.last_digest_before(session, today)
    # The first digest ever counts the last 24 hours; every later one, since the previous one.
    since = previous or now - timedelta(days=1)
    is_open = open_ticket_condition()
    new_conditions = [Ticket.created_at > since, Ticket.created_at <= now]
    urgent = (is_open, Ticket.priority == Priority.URGENT)
    unassigned = (is_open, Ticket.assignee_id.is_(None))
    overdue = agg.overdue_condition(today_bday, target_rules(services))
    # A volunteer registration is a record of the registry, not a request waiting for an answer.
    not_ageing = Ticket.service != "volunteer_registration"
    names = await staff_names(session)
    follow_ups = await follow_ups_due(session, today)
    # Every count over open tickets comes from one pass; the lists below read a few rows each.
    tallies = await agg.open_tallies(session, overdue)

    def aged(rows: list[tuple[str, int]]) -> list[tuple[str, int]]:
        return [(ref, today_bday - bday) for ref, bday in rows]

    return DigestData(
        day=today,
        since=previous,
        new_by_service=await agg.counts_by(session, Ticket.service, *new_conditions),
        open_by_status=_totals(tallies, lambda tally: tally.status),
        urgent_count=sum(tally.count for tally in tallies if tally.urgent),
        urgent=[r for r, _ in await agg.references(session, LIST_LIMIT, *urgent)],
        unassigned_count=sum(tally.count for tally in tallies if tally.assignee_id is None),
        unassigned=[r for r, _ in await agg.references(session, LIST_LIMIT, *unassigned)],
        longest_waiting=aged(await agg.references(session, 5, is_open, not_ageing)),
        overdue_count=sum(tally.count for tally in tallies if tally.late),
        overdue=aged(await agg.references(session, LIST_LIMIT, overdue, order=Ticket.created_bday)),
        follow_ups=[
            (reference, names.get(assignee, "") if assignee else "")
            for reference, assignee in follow_ups
        ],
        by_assignee=assignee_loads(tallies, names, follow_ups),
    )


def _totals(tallies: list[agg.OpenTally], key) -> dict:
    """The tallies' counts summed by a key (tallies the key gives None for are left out)."""
    totals: dict = {}
    for tally in tallies:
        value = key(tally)
        if value is not None:
            totals[value] = totals.get(value, 0) + tally.count
    return totals


def assignee_loads(
    tallies: list[agg.OpenTally], names: dict[int, str], follow_ups: list[tuple[str, int | None]]
) -> list[AssigneeLoad]:
    """Each assignee's open, over-target, waiting and due tickets, most loaded first."""
    open_ = _totals(tallies, lambda tally: tally.assignee_id)
    late = _totals(tallies, lambda tally: tally.assignee_id if tally.late else None)
    waiting = _totals(
        tallies,
        lambda tally: tally.assignee_id if tally.status == TicketStatus.WAITING else None,
    )
    due: dict[int, int] = {}
    for _, assignee in follow_ups:
        if assignee is not None:
            due[assignee] = due.get(assignee, 0) + 1
    loads = [
        AssigneeLoad(
            names.get(staff_id, "?"),
            n,
            late.get(staff_id, 0),
            waiting.get(staff_id, 0),
            due.get(staff_id, 0),
        )
        for staff_id, n in open_.items()
    ]
    return sorted(loads, key=lambda load: (-load.open, load.name))


def period_bounds(period: str, today: date) -> tuple[str, date, date] | None:
    """(label, first day, day after the last) of 'week', 'month' or 'YYYY-MM'; None if unreadable."""
    if period in ("", "week"):
        start = today - timedelta(days=today.weekday())
        return f"{start.isoformat()}〜", start, start + timedelta(days=7)
    if period == "month":
        period = today.strftime("%Y-%m")
    try:
        year, month = (int(x) for x in period.split("-"))
        start = date(year, month, 1)
    except ValueError:
        return None
    end = date(year + month // 12, month % 12 + 1, 1)
    return period, start, end


async def collect_stats(
    session: AsyncSession, services: Services, label: str, start: date, end: date
) -> StatsData:
    """Gathers a period's figures: intake breakdowns, medians and referrals."""
    tz = services.settings.tz
    start_at = datetime.combine(start, time(), tz)
    end_at = datetime.combine(end, time(), tz)
    received = (Ticket.created_at >= start_at, Ticket.created_at < end_at)
    return StatsData(
        label=label,
        start=start,
        end=end,
        by_service=await agg.counts_by(session, Ticket.service, *received),
        by_district=await agg.counts_by(session, Ticket.district_key, *received),
        by_status=await agg.counts_by(session, Ticket.status, *received),
        median_first_action=await agg.median_days(
            session, Ticket.first_action_bday, start_at, end_at
        ),
        median_resolution=await agg.median_days(session, Ticket.resolved_bday, start_at, end_at),
        referrals=await agg.counts_by(
            session, Ticket.referred_to, *received, Ticket.referred_to.is_not(None)
        ),
        outcomes=await agg.event_field_counts(session, "closed", "outcome", start_at, end_at),
        people=await agg.people_count(session, *received),
        **answer_counts(await answers_between(session, start_at, end_at, ("food", "consultation"))),
        contacts=await agg.event_field_counts(session, "contact", "type", start_at, end_at),
    )


def answer_counts(answered: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """What the answers of a period's requests add up to: food households and people, and
    consultations by topic."""
    food = [answers for service, answers in answered if service == "food" and answers]
    topics: dict[str, int] = {}
    for service, answers in answered:
        topic = answers.get("topic") if service == "consultation" else None
        if topic:
            topics[topic] = topics.get(topic, 0) + 1
    return {
        "food_households": len(food),
        "food_people": sum(_number(a.get("adults")) + _number(a.get("children")) for a in food),
        "topics": topics,
    }


def _number(value: object) -> int:
    """A stored count as a number (0 when missing or unreadable)."""
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


async def weekly_intake(
    session: AsyncSession, services: Services, last_day: date, weeks: int = 12
) -> list[tuple[date, dict[str, int]]]:
    """Intake by service for each of the last `weeks` weeks (Monday to Sunday) up to last_day."""
    tz = services.settings.tz
    monday = last_day - timedelta(days=last_day.weekday())
    result = []
    for i in range(weeks - 1, -1, -1):
        start = monday - timedelta(weeks=i)
        start_at = datetime.combine(start, time(), tz)
        end_at = start_at + timedelta(days=7)
        counts = await agg.counts_by(
            session, Ticket.service, Ticket.created_at >= start_at, Ticket.created_at < end_at
        )
        result.append((start, counts))
    return result
