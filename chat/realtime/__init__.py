"""Real-time: the Socket.IO namespaces `/` and `/admin`, their payload checks and acks, and
the broadcasts around them; the only code that knows event names."""
