"""The web application's pages (Jinja2 + htmx), served by the API's application (issue 12)."""
