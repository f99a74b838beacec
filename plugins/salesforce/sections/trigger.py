"""Placeholder section: filled in by its issue."""

TEMPLATE = "salesforce/sections/trigger.html"
urlpatterns: list = []


def context(request, conn) -> dict:
    return {}
