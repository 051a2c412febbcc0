"""Repeatable measurements of madoguchi (printed tables, never pass/fail tests)."""
