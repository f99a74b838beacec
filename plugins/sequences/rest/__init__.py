"""The runtime's REST API v1 endpoints (sequences, responses), mounted by ``platform_api_urls``
on the API framework (``api``: keys, scopes, errors, paging, schema)."""
