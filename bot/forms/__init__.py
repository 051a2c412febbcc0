"""Intake forms as data (model, definitions) and the engine that walks them.

Imports only bot's i18n helpers: no messenger library, no SQL, no desk.
"""
