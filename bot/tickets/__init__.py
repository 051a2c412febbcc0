"""Tickets, shared by both desks: opening one from a draft, references, statuses and labels,
what happens around a ticket message's delivery, and retention. Never imports a messenger library.
"""
