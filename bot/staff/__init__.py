"""The staff side: the command table, the desk, ticket cards, triage, search and export.

Takes a staff Event, returns a Reply. Imports tickets, numbers, outbox and storage; never a
messenger library.
"""
