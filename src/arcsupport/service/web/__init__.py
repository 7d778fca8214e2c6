"""The dashboard: server-rendered pages (Jinja2, with htmx for the fleet's filters) over the
same store and document functions as the API, signed in with an API token that becomes a
session cookie."""
