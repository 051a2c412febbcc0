"""Persistence: the engine, the models, the queries and the migrations."""
