"""madoguchi: the chat front desk of a ward Council of Social Welfare."""

import os

# Opt in to PTB's future behaviour: RetryAfter.retry_after is a timedelta (PTB 22.2+).
os.environ.setdefault("PTB_TIMEDELTA", "1")
