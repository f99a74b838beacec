def platform(request):
    """The current organization (None on the public host) for templates."""
    tenant = getattr(request, "tenant", None)
    org = tenant if tenant is not None and tenant.schema_name != "public" else None
    return {"org": org}
