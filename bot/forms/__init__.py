"""Intake forms as data, and the engine that walks them."""
