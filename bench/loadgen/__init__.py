"""A lean Socket.IO load generator for the chat event contract."""
