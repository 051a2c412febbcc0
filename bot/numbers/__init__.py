"""The numbers: figures from the database, the morning digest, /stats and monthly reports.

Counts and references only, never personal data. Imports storage and bot's shared core.
"""
