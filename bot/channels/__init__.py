"""The edges: one package per messenger that residents and staff reach us on.

Each receives updates (polling, webhook), keeps them in the inbox, renders Screens as that
messenger's messages and sends the outbox. Only here (and in handlers/) is a messenger library imported.
"""
