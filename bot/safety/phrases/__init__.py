"""What danger sounds like, one data module per language (names as in ja.py); imports nothing."""
