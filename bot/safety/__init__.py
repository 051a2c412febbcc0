"""Crisis detection (does free text suggest danger, and which?); imports only its analysers."""

from bot.safety.minor import says_minor
from bot.safety.net import CATEGORIES, Hit, SafetyNet, default_net, net_for


def suggests_danger(text: str) -> bool:
    """Whether a text suggests danger to life or safety."""
    return default_net().check(text) is not None


__all__ = [
    "CATEGORIES",
    "Hit",
    "SafetyNet",
    "default_net",
    "net_for",
    "says_minor",
    "suggests_danger",
]
