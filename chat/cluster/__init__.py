"""Cluster: what several processes or hosts share through Redis (presence, orders, figures)."""
