"""No log line contains answers, names or contact details, whatever happens."""

from __future__ import annotations

import logging

import pytest

from bot.logs import quiet_libraries
from tests.fakes import Harness
from tests.scripts import begin_form
from tests.staff_helpers import add_staff

SECRETS = (
    "Yamada Taro",
    "090-8765-4321",
    "+819087654321",
    "借金の返済に困っています",
    "Please call after six",
    "夫に叩かれています",
)


async def test_complete_intake_and_staff_work_log_nothing_personal(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    """Intake, crisis, follow-up, staff reply, a refused delivery: the logs hold none of it."""
    quiet_libraries()
    caplog.set_level(logging.DEBUG)
    staff = await add_staff(harness, 700001, "佐藤")
    resident = harness.resident()
    await begin_form(harness, resident, harness.en(), "Consultation")
    for answer in ("4", "1", "借金の返済に困っています"):
        await resident.send(answer)
    await resident.click("Phone call")
    await resident.send("090-8765-4321")
    await resident.send("Yamada Taro")
    await resident.send("Please call after six")
    await resident.send("99")  # an invalid district: a kind error, logged or not
    await resident.send("1")
    await resident.send("1")
    await resident.click("Send")
    await harness.relay()
    [tk] = await harness.tickets()
    await resident.send("夫に叩かれています")
    harness.api.fail_next("sendMessage", status=500, chat_id=resident.chat_id)
    await staff.send(f"/reply {tk.reference} Yamada Taro, we will call 090-8765-4321")
    await harness.relay()
    harness.clock.advance(minutes=5)
    harness.api.fail_next(
        "sendMessage",
        status=403,
        chat_id=resident.chat_id,
        description="Forbidden: bot was blocked by the user",
    )
    await harness.relay()
    await staff.send(f"/ticket {tk.reference}")
    assert caplog.records, "the scenario logged nothing at all: the check would prove nothing"
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in SECRETS:
        assert secret not in logged, secret
