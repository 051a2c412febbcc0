"""The version of the consent notice; bump it whenever the notice's wording changes."""

CONSENT_VERSION = "2026-11-30"
