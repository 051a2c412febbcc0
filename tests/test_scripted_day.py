"""A day at the desk in `madoguchi chat`: ten requests (four by chat, six taken by phone, one
for a household already known), staff work in Japanese only, two reminders, a referral with
consent, closes with outcomes; then the month's figures count exactly that day."""

from __future__ import annotations

import io
import re
from collections import deque
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.callbacks import SERVICE_ITEMS
from bot.channels.telegram.app import build_application
from bot.channels.telegram.console import run_chat
from bot.channels.telegram.context import SERVICES_KEY
from bot.channels.telegram.local_api import LocalBotApi
from bot.i18n import Catalogs, Translator
from bot.numbers.figures import collect_stats
from bot.numbers.reports import render_stats
from bot.settings import load_profile
from storage.db import create_engine, create_sessionmaker
from storage.models import Ticket, TicketEvent
from tests.fakes import EXAMPLE_PROFILE, settings_for_test
from tests.scripts import FORM_SCRIPTS, Click, ClickDistrict, Type

REFERENCE = re.compile(r"\b\d{4}-\d{4}\b")
Line = str | Callable[[str], str | None]


class ScriptedInput:
    """Standard input for the chat whose next line may depend on what the chat printed so far
    (a reference it gave out, say); a step that returns None types nothing."""

    def __init__(self, out: io.StringIO, lines: list[Line]) -> None:
        self.out = out
        self.lines = deque(lines)

    def isatty(self) -> bool:
        """Piped, as in a script."""
        return False

    def readline(self) -> str:
        """The next line to type, or "" at the end of the day."""
        while self.lines:
            item = self.lines.popleft()
            line = item(self.out.getvalue()) if callable(item) else item
            if line is not None:
                return line + "\n"
        return ""


class Day:
    """The lines of the day, and the references the chat gave out, by name."""

    def __init__(self, ja: Translator, profile) -> None:
        self.ja = ja
        self.profile = profile
        self.refs: dict[str, str] = {}
        self.lines: list[Line] = []

    def type(self, *lines: Line) -> None:
        """Lines typed as they are."""
        self.lines.extend(lines)

    def command(self, template: str) -> None:
        """A command naming references by name ({R1}), filled in when it is typed."""
        self.lines.append(lambda _out: template.format(**self.refs))

    def remember(self, name: str) -> None:
        """Names the reference the chat gave out last (the request just sent)."""

        def keep(out: str) -> None:
            self.refs[name] = REFERENCE.findall(out)[-1]

        self.lines.append(keep)

    def form(self, key: str) -> None:
        """Answers every question of a form as tests/scripts.py does, in Japanese, and sends."""
        for step in FORM_SCRIPTS[key][1]:
            if isinstance(step, Click):
                self.lines.append(self.ja.gettext(step.message_id))
            elif isinstance(step, ClickDistrict):
                self.lines.append(self.profile.districts[step.index].name.get("ja"))
            else:
                assert isinstance(step, Type)
                self.lines.append(">" + step.text)
        self.lines.append(self.ja.gettext("Send"))

    def resident_request(self, key: str, name: str) -> None:
        """The resident opens the menu, picks a service, agrees if asked, fills it in."""
        agree = self.ja.gettext("I agree")
        self.type(":resident", "/start", self.ja.gettext(FORM_SCRIPTS[key][0]))
        self.lines.append(lambda out: agree if agree in out.rsplit("> /start", 1)[-1] else None)
        self.form(key)
        self.remember(name)

    def phone_call(self, key: str, name: str, household_of: str | None = None) -> None:
        """The admin records a call in their private chat (for a known household, if named)."""
        self.type(":dm")
        self.command("/newticket" + (f" {{{household_of}}}" if household_of else ""))
        # The form's number on /newticket's list (its labels add the programme's name).
        self.type(str(SERVICE_ITEMS.index(key) + 1))
        self.form(key)
        self.remember(name)


def plan_the_day(day: Day) -> None:
    """Ten requests, then the staff's work on them, every command in Japanese."""
    day.resident_request("consultation", "R1")
    day.resident_request("food", "R2")
    day.resident_request("volunteer_request", "R3")
    day.resident_request("opinion", "R4")
    day.phone_call("food", "P1", household_of="R2")
    for number, key in enumerate(
        ("consultation", "giving", "household_goods", "disaster_relief", "groups"), start=2
    ):
        day.phone_call(key, f"P{number}")
    day.type(":staff", "/queue 未担当")
    day.command("/assign {R1} 自分")
    day.command("/status {R1} 返答待ち")
    day.command("/remind {R1} 明日 折り返しを待つ")
    day.command("/remind {P2} 来週")
    # R1's resident said "ask me first": the referral waits for their agreement.
    day.command("/refer {R1} 区生活支援課")
    day.command("/refer {R1} 区生活支援課 同意あり 電話で本人に確認")
    day.command("/refer {R2} 生活支援課")
    day.command("/contact {P2} 電話 折り返し済み")
    day.command("/reply {R4} ご意見ありがとうございました")
    day.command("/close {R1} 他機関へつなぎ")
    day.command("/close {R2} 食糧提供")
    day.command("/close {P1} 食糧提供")
    day.command("/close {R3} マッチング成立")
    day.command("/close {P2} 継続支援")
    day.command("/close {P3} 情報提供")
    day.type("/queue 自分", "/stats month")


async def test_a_scripted_day_is_counted_by_the_months_report(tmp_path: Path) -> None:
    """The day runs through the chat as typed, and the figures are the day's."""
    catalogs = Catalogs()
    ja = catalogs.translator_for("ja")
    database = tmp_path / "day.sqlite3"
    settings = settings_for_test(f"sqlite+aiosqlite:///{database}", data_dir=tmp_path)
    day = Day(ja, load_profile(EXAMPLE_PROFILE))
    plan_the_day(day)
    out = io.StringIO()
    await run_chat(
        settings, "ja", stdin=ScriptedInput(out, day.lines), out=out, database=str(database)
    )
    shown = out.getvalue()
    refs = day.refs
    assert len(set(refs.values())) == 10, refs

    # Staff were told why the referral waited and why the anonymous opinion got no reply.
    assert "同意あり" in shown
    assert ja.gettext(
        "{reference} is an anonymous opinion: the resident asked for no reply, so nothing was sent."
    ).format(reference=refs["R4"]) in shown.replace("\n[staff chat] ", "\n")
    # No English key was needed, and none was shown back.
    assert "Please give" not in shown and "You can write" not in shown

    engine = create_engine(settings.resolved_database_url, settings.keyring())
    try:
        app = build_application(settings, create_sessionmaker(engine), LocalBotApi())
        services = app.bot_data[SERVICES_KEY]
        async with services.db() as session:
            tickets = {t.reference: t for t in await session.scalars(select(Ticket))}
            reminders = await session.scalar(
                select(func.count()).where(TicketEvent.kind == "reminder")
            )
            start = services.calendar.local_day(services.clock()).replace(day=1)
            end = (start + timedelta(days=32)).replace(day=1)
            stats = await collect_stats(session, services, "month", start, end)
    finally:
        await engine.dispose()
    assert tickets[refs["P1"]].household_id == tickets[refs["R2"]].household_id is not None
    assert tickets[refs["R1"]].referred_to == tickets[refs["R2"]].referred_to == "ward_life_support"
    assert reminders == 2
    assert tickets[refs["R1"]].follow_up_on and tickets[refs["P2"]].follow_up_on
    assert stats.total == 10
    assert stats.by_service == {
        "consultation": 2,
        "food": 2,
        "volunteer_request": 1,
        "opinion": 1,
        "giving": 1,
        "household_goods": 1,
        "disaster_relief": 1,
        "groups": 1,
    }
    assert stats.outcomes == {"referral": 1, "food": 2, "matched": 1, "ongoing": 1, "info": 1}
    assert stats.referrals == {"ward_life_support": 2}
    # Food support: two households of two adults and a child each.
    assert (stats.food_households, stats.food_people) == (2, 6)
    assert stats.contacts == {"phone": 1}
    # 実人数: the one resident on the chat, and five callers: the consultation and the gift
    # came from the same phone number (045-123-4567), the other calls gave none.
    assert stats.people == 6
    text = render_stats(stats, ja, load_profile(EXAMPLE_PROFILE))
    assert "食糧提供：2件" in text and "他機関へつなぎ：1件" in text
    assert "・人数：6人" in text
