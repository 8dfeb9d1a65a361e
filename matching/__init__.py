"""The ranking library: embeds texts, indexes them and ranks startups for needs (and back).

It takes and returns plain frozen dataclasses and never imports Flask, SQLAlchemy or
``marketplace``; ``marketplace.rankings`` is its only caller.
"""
