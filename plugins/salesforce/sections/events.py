"""Placeholder section: filled in by its issue."""

TEMPLATE = "salesforce/sections/events.html"
urlpatterns: list = []


def context(request, conn) -> dict:
    return {}
