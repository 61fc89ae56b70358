"""Core: names, presence, history store, group-commit writer, rate limits, counters; plain
Python, with no Flask, Socket.IO, eventlet or Redis."""
