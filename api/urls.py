"""REST API v1 (issue 4). Mounted at /api/v1/ on the public host and on every org host."""

urlpatterns: list = []
