"""The resident side: the desk (menu, consent, language, forms walk), follow-ups, privacy.

Takes an Event, returns a Reply. Imports forms, safety, tickets, outbox and storage; never a
messenger library.
"""
