"""Placeholder section: filled in by its issue."""

TEMPLATE = "salesforce/sections/pushback.html"
urlpatterns: list = []


def context(request, conn) -> dict:
    return {}
