"""madoguchi: the chat front desk of a ward Council of Social Welfare.

Top-level modules are the shared core every folder may import (settings, services, i18n,
screens, button data, calendar, logs, metrics, health); they import no folder but forms and outbox.
"""

import os

# Opt in to PTB's future behaviour: RetryAfter.retry_after is a timedelta (PTB 22.2+).
os.environ.setdefault("PTB_TIMEDELTA", "1")
