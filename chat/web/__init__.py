"""Web: the pages, their forms, security headers and the session interface."""
