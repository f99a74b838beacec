"""Placeholder section: filled in by its issue."""

TEMPLATE = "salesforce/sections/mapping.html"
urlpatterns: list = []


def context(request, conn) -> dict:
    return {}
