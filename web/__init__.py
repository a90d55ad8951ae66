"""The web console (server-rendered pages with htmx) and the JSON REST API under /api."""
