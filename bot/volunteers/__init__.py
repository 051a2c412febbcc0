"""The volunteer centre's registry: a registration's record, the yearly consent question, a
volunteer's answers and the ranking used by /match. Imports forms, outbox and storage; never a
messenger library.
"""
