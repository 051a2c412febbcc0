"""Scripted conversations that complete each form, written once for every language."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import Translator
from tests.fakes import Harness, UserClient


@dataclass(frozen=True)
class Click:
    """Press the button whose label is this message id, translated."""

    message_id: str


@dataclass(frozen=True)
class Type:
    """Type this text."""

    text: str


@dataclass(frozen=True)
class ClickDistrict:
    """Press the button of the n-th configured district (0-based), named in the user's language."""

    index: int


FORM_SCRIPTS: dict[str, tuple[str, list[object], dict[str, object]]] = {
    "consultation": (
        "Consultation",
        [
            Click("Help using welfare services or managing money (Anshin Center)"),
            Click("A family member"),
            Type("My mother cannot manage her bills any more."),
            Click("Phone call"),
            Type("045-123-4567"),
            Type("Sato"),
            Click("Skip"),
            ClickDistrict(2),
            Click("Ask me first"),
        ],
        {
            "topic": "anshin",
            "who": "family",
            "situation": "My mother cannot manage her bills any more.",
            "contact_method": "phone",
            "phone": "+81451234567",
            "contact_name": "Sato",
            "contact_times": None,
            "district": "d03",
            "share": "ask",
        },
    ),
    "food": (
        "Food support",
        [
            Type("2"),
            Type("１"),
            Click("No food for today"),
            Click("Skip"),
            Click("Not sure"),
            Click("No"),
            Type("I use a wheelchair."),
            Click("Yes"),
            Click("Reply in this chat"),
            Click("Don't know"),
            Click("Yes, if it helps"),
        ],
        {
            "adults": 2,
            "children": 1,
            "urgency": "today",
            "dietary": None,
            "ward_office": "unsure",
            "pickup": "no",
            "pickup_note": "I use a wheelchair.",
            "goods": "yes",
            "contact_method": "chat",
            "district": "unknown",
            "share": "yes",
        },
    ),
    "volunteer_request": (
        "I need a volunteer",
        [
            Click("A facility"),
            Click("Conversation and visits"),
            Type("Every Tuesday afternoon"),
            ClickDistrict(0),
            Type("Talking with residents of our group home."),
            Click("Reply in this chat"),
        ],
        {
            "requester": "facility",
            "help_kind": "visits",
            "when": "Every Tuesday afternoon",
            "district": "d01",
            "details": "Talking with residents of our group home.",
            "contact_method": "chat",
        },
    ),
    "volunteer_registration": (
        "I want to volunteer",
        [
            Click("Housework"),
            Click("Disaster volunteering"),
            Click("Done"),
            Type("1 3"),
            Click("Don't know"),
            Click("18–39"),
            Click("Skip"),
            Click("I will come to the counter"),
        ],
        {
            "interests": ["housework", "disaster"],
            "availability": ["weekday_day", "weekend_day"],
            "district": "unknown",
            "age_group": "18_39",
            "experience": None,
            "contact_method": "counter",
        },
    ),
    "opinion": (
        "Opinion or complaint",
        [
            Click("Thanks"),
            Click("This chat service"),
            Type("Very easy to use, thank you."),
            Click("No, stay anonymous"),
        ],
        {
            "kind": "thanks",
            "about": "chat",
            "message": "Very easy to use, thank you.",
            "wants_reply": "no",
        },
    ),
    "giving": (
        "I want to give",
        [
            Click("Food"),
            Type("Ten packs of rice, best before March."),
            Click("A company or group"),
            Click("Phone call"),
            Type("045-123-4567"),
            Type("Tanaka"),
            Click("Skip"),
            ClickDistrict(1),
        ],
        {
            "gift": "food",
            "description": "Ten packs of rice, best before March.",
            "giver": "organisation",
            "contact_method": "phone",
            "phone": "+81451234567",
            "contact_name": "Tanaka",
            "contact_times": None,
            "district": "d02",
        },
    ),
    "household_goods": (
        "Household goods and appliances",
        [
            Click("A household I support (as a professional or welfare commissioner)"),
            Click("Refrigerator"),
            Click("Washing machine"),
            Click("Done"),
            Type("3"),
            Click("Skip"),
            Click("Reply in this chat"),
            ClickDistrict(0),
            Click("Ask me first"),
        ],
        {
            "for_whom": "supported",
            "items": ["fridge", "washer"],
            "household": 3,
            "situation": None,
            "contact_method": "chat",
            "district": "d01",
            "share": "ask",
        },
    ),
    "disaster_relief": (
        "Fire or flood damage",
        [
            Click("Flood"),
            Type("28 November"),
            Type("Water came into the ground floor."),
            Type("2"),
            Click("Not sure"),
            Click("I will come to the counter"),
            Click("Don't know"),
            Click("No, only the council"),
        ],
        {
            "cause": "flood",
            "happened_on": "28 November",
            "damage": "Water came into the ground floor.",
            "household": 2,
            "certificate": "unsure",
            "contact_method": "counter",
            "district": "unknown",
            "share": "no",
        },
    ),
    "groups": (
        "Groups, schools and facilities",
        [
            Type("Kanagawa Example Elementary School"),
            Click("Welfare education (equipment loan, lecturers, programme planning)"),
            Type("Wheelchair experience in February"),
            Type("Suzuki"),
            Click("Reply in this chat"),
            ClickDistrict(2),
        ],
        {
            "organisation": "Kanagawa Example Elementary School",
            "matter": "education",
            "request": "Wheelchair experience in February",
            "contact_person": "Suzuki",
            "contact_method": "chat",
            "district": "d03",
        },
    ),
}


async def play(harness: Harness, user: UserClient, t: Translator, steps: list[object]) -> None:
    """Plays scripted steps as a user."""
    for step in steps:
        if isinstance(step, Click):
            await user.click(t.gettext(step.message_id))
        elif isinstance(step, ClickDistrict):
            district = harness.services.profile.districts[step.index]
            await user.click(district.name.get(t.locale))
        else:
            assert isinstance(step, Type)
            await user.send(step.text)


async def begin_form(harness: Harness, user: UserClient, t: Translator, title: str) -> None:
    """Opens the menu, picks a service and agrees to the notice if asked."""
    await user.send("/start")
    await user.click(t.gettext(title))
    if any(t.gettext("I agree") in label for label in user.labels()):
        await user.click(t.gettext("I agree"))
