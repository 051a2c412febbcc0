"""Settings from MADOGUCHI_* environment variables, a .env file and the office profile."""

from __future__ import annotations

import re
import tomllib
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from storage.crypto import Keyring, read_or_create_key_file

PROJECT_ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_PROFILE = PROJECT_ROOT / "office_profile.example.toml"


# Optional lines of a staff card: dates, the resident's language, the partner referred to,
# the contact method, the phone number, and the answers.
CardField = Literal[
    "received", "last_activity", "language", "referred", "contact", "phone", "answers"
]


class LocalizedText(BaseModel):
    """A text given per locale; Japanese is required and the fallback."""

    ja: str
    en: str | None = None
    ja_easy: str | None = None
    zh_Hans: str | None = None
    ko: str | None = None
    vi: str | None = None

    def get(self, locale: str) -> str:
        """The text for a locale: easy Japanese where given, else Japanese for Japanese readers;
        the locale's own text for others, else English, else Japanese."""
        if locale == "ja_easy" and self.ja_easy:
            return self.ja_easy
        if locale.startswith("ja"):
            return self.ja
        return getattr(self, locale, None) or self.en or self.ja


class District(BaseModel):
    """One district council (地区社協), the towns it covers and its 地区担当 (a Telegram user id)."""

    key: str
    name: LocalizedText
    towns: list[str] = []
    coordinator_id: int | None = None
    # Other names staff type for it (e.g. a number alone).
    aliases: list[str] = []


# The safety net's categories (bot.safety.CATEGORIES; a test keeps the two the same).
SafetyCategory = Literal["suicide", "violence", "medical", "fire", "confined", "no_food_shelter"]


class OpenHours(BaseModel):
    """When a line answers, in the council's time zone: every day, on weekdays, or on one day of
    the month, from `opens` to `closes` (a `closes` at or before `opens` runs past midnight)."""

    days: Literal["daily", "weekdays"] | int = "daily"
    opens: time
    closes: time

    @field_validator("days")
    @classmethod
    def _day_of_month(cls, value: str | int) -> str | int:
        """A day of the month is 1 to 31."""
        if isinstance(value, int) and not 1 <= value <= 31:
            raise ValueError("a day of the month is 1 to 31")
        return value


class CrisisLine(BaseModel):
    """An emergency or support line shown to residents in danger.

    `emergency` lines (110/119) always come first; then lines open at that moment — every
    24-hour line, and scheduled ones inside their `open` hours — those taking the resident's
    language first. A line with neither `always_open` nor `open` hours is listed last.
    """

    name: LocalizedText
    number: str
    hours: LocalizedText
    emergency: bool = False
    always_open: bool = False
    open: list[OpenHours] = []
    # Locales the line takes calls or chats in (Japanese unless the line says otherwise).
    languages: list[str] = ["ja"]
    note: LocalizedText | None = None
    # Set once an operator has checked the number and hours against the line's own site.
    verified: bool = False


class Partner(BaseModel):
    """An agency a ticket can be referred to."""

    key: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    name: LocalizedText
    # Short names staff type for it (県社協 for 神奈川県社会福祉協議会).
    aliases: list[str] = []


class Outcome(BaseModel):
    """An outcome of the council's own that staff can record when closing (beside the
    built-in ones), e.g. 貸付につなぐ."""

    key: str = Field(pattern=r"^[a-z0-9_]{1,24}$")
    name: LocalizedText
    # Short names staff type for it.
    aliases: list[str] = []


class PrivacyFacts(BaseModel):
    """What the privacy notice states about the council as data holder (APPI Art. 32)."""

    # The council's representative (代表者), e.g. 会長 and name.
    representative: LocalizedText
    # Where and how to ask for disclosure, correction, stopping use or stopping third-party
    # provision (窓口・電話・書面).
    requests: LocalizedText
    # The fee for a disclosure request, e.g. 「手数料はかかりません」.
    fee: LocalizedText
    # Where to complain about the handling of personal data (苦情の申出先).
    complaints: LocalizedText
    # The council's personal-data policy (個人情報保護方針), if published.
    policy_url: str | None = None
    # The messenger's operator and its country (外国にある第三者の把握), e.g. Telegram.
    messenger_operator: LocalizedText


class OfficeProfile(BaseModel):
    """Facts about the council, read from a TOML file an operator maintains."""

    example: bool = False
    name: LocalizedText
    address: LocalizedText
    phone: str
    hours: LocalizedText
    counter: LocalizedText
    districts: list[District]
    partners: list[Partner] = []
    # Outcomes of the council's own, offered after the built-in ones when closing.
    outcomes: list[Outcome] = []
    crisis_lines: list[CrisisLine] = []
    # What a resident with no food today can do today (same-day route), shown at once.
    food_today: LocalizedText | None = None
    # The facts the privacy notice needs beyond name, address and phone (APPI Art. 32).
    privacy: PrivacyFacts | None = None
    # How interpretation works for residents who do not read Japanese (staff work in Japanese).
    interpretation: LocalizedText | None = None
    # The council's own phrases for the safety net, by category (added to the built-in ones).
    safety_phrases: dict[SafetyCategory, list[str]] = {}

    def district(self, key: str) -> District | None:
        """Returns the district with this key, if configured."""
        return next((d for d in self.districts if d.key == key), None)

    def partner(self, key: str) -> Partner | None:
        """Returns the partner with this key, if configured."""
        return next((p for p in self.partners if p.key == key), None)


def load_profile(path: Path) -> OfficeProfile:
    """Reads and validates an office profile TOML file."""
    with path.open("rb") as fh:
        return OfficeProfile.model_validate(tomllib.load(fh))


class Settings(BaseSettings):
    """Everything an operator configures; see the README for each variable."""

    model_config = SettingsConfigDict(env_prefix="MADOGUCHI_", env_file=".env", extra="ignore")

    bot_token: SecretStr | None = None
    # One key, or "id:key,id:key" (base64, 32 bytes each); the first encrypts, all decrypt.
    encryption_key: SecretStr | None = None
    # SQLite without encryption_key: a key file made on first use (<data dir>/madoguchi.key).
    encryption_key_file: Path | None = None
    bot_api_url: str | None = None
    data_dir: Path = PROJECT_ROOT / "data"
    database_url: str | None = None
    staff_chat_id: int | None = None
    # A chat that also gets every crisis alert (an on-call phone, say); optional.
    oncall_chat_id: int | None = None
    admin_ids: Annotated[list[int], NoDecode] = []
    timezone: str = "Asia/Tokyo"
    office_profile: Path = EXAMPLE_PROFILE
    draft_retention_hours: int = Field(default=72, ge=1)
    closed_retention_days: int = Field(default=90, ge=1)
    volunteer_retention_days: int = Field(default=365, ge=1)
    # The registry: volunteers are asked to renew their consent to be contacted this often,
    # and paused when they do not answer within the second period.
    volunteer_renewal_days: int = Field(default=365, ge=1)
    volunteer_renewal_answer_days: int = Field(default=30, ge=1)
    # The volunteer centre's coordinator (a staff member's Telegram user id): volunteer
    # registrations and requests are assigned to them rather than to a district's 地区担当.
    volunteer_centre_id: int | None = None
    outbox_interval_seconds: float = Field(default=2.0, gt=0)
    outbox_max_attempts: int = Field(default=40, ge=1)
    # Telegram asks for about one message a second per chat; 0 turns the pause off (tests).
    outbox_chat_interval_seconds: float = Field(default=1.0, ge=0)
    # Messages Telegram could not be reached for are retried this long, then recorded as failed.
    outbox_give_up_hours: float = Field(default=48.0, gt=0)
    # Webhook mode: the public HTTPS address Telegram posts to, and the secret it sends back.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # Polling mode: serve /healthz and /metrics on this port (off when unset).
    health_port: int | None = Field(default=None, ge=1, le=65535)
    # Where the health_port listener binds (loopback unless opened); with health_port set,
    # webhook mode serves /healthz and /metrics there instead of on the public listener.
    health_listen: str = "127.0.0.1"
    # LINE's Messaging API: on when the channel secret and access token are both set.
    line_channel_secret: SecretStr | None = None
    line_channel_access_token: SecretStr | None = None
    line_api_url: str = "https://api.line.me"
    # The push messages the council's LINE plan allows a month (unset: LINE's refusal tells).
    line_push_monthly_limit: int | None = Field(default=None, ge=0)
    auto_migrate: bool = True
    district_routing: Literal["assign", "suggest", "off"] = "assign"
    # What a ticket card in the staff group shows beyond its reference, service, priority,
    # status, assignee and district: anyone in the group reads it, so nothing personal by default.
    card_shows: Annotated[list[CardField], NoDecode] = []
    staff_page_size: int = Field(default=10, ge=1, le=50)
    # How long a /staff invite link can be opened (once).
    invitation_hours: int = Field(default=48, ge=1, le=168)
    digest_time: time = time(8, 30)
    office_opens: time = time(9, 0)
    office_closes: time = time(17, 0)
    # The year-end closure, as MM-DD of the first and the last closed day.
    closure_start: str = Field(default="12-29", pattern=r"^\d{2}-\d{2}$")
    closure_end: str = Field(default="01-03", pattern=r"^\d{2}-\d{2}$")
    # Service-level targets in business days: urgent tickets, food support, everything else.
    target_urgent_days: int = Field(default=0, ge=0)
    target_food_days: int = Field(default=1, ge=0)
    target_default_days: int = Field(default=3, ge=0)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        """Accepts a comma- or space-separated list of numeric ids."""
        if isinstance(value, str):
            return [int(part) for part in value.replace(",", " ").split()]
        return value

    @field_validator("card_shows", mode="before")
    @classmethod
    def _split_fields(cls, value: object) -> object:
        """Accepts a comma- or space-separated list of card fields."""
        if isinstance(value, str):
            return value.replace(",", " ").split()
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _usable_secret(cls, value: SecretStr | None) -> SecretStr | None:
        """Accepts only what Telegram allows as a secret token, and not too short to guess."""
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{16,256}", value.get_secret_value()
        ):
            raise ValueError("use 16 to 256 characters from A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        """Rejects a time zone name the system does not know."""
        ZoneInfo(value)
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The council's time zone."""
        return ZoneInfo(self.timezone)

    def closure(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """The year-end closure as ((month, day), (month, day))."""
        start_month, start_day = (int(x) for x in self.closure_start.split("-"))
        end_month, end_day = (int(x) for x in self.closure_end.split("-"))
        return (start_month, start_day), (end_month, end_day)

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'madoguchi.sqlite3'}"

    def keyring(self) -> Keyring | None:
        """The encryption keys: the configured ones; else, with SQLite, the key file's (made on
        first use); else None (PostgreSQL needs an explicit key)."""
        if self.encryption_key is not None:
            return Keyring(self.encryption_key.get_secret_value())
        if self.is_postgres:
            return None
        path = self.encryption_key_file or self.data_dir / "madoguchi.key"
        return Keyring(read_or_create_key_file(path), source=f"the key file {path}")

    @property
    def line_enabled(self) -> bool:
        """Whether residents can also reach the desk on LINE."""
        return self.line_channel_secret is not None and self.line_channel_access_token is not None

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL."""
        return self.resolved_database_url.startswith("postgresql")

    def load_profile(self) -> OfficeProfile:
        """Loads the configured office profile."""
        return load_profile(self.office_profile)
