"""madoguchi: the chat front desk of a ward Council of Social Welfare."""
