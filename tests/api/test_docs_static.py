"""With DEBUG off the docs page's files come from collectstatic's output, with hashed names,
served by whitenoise: the sidecar's Swagger UI is collected like the app's own files."""

from __future__ import annotations

import re

from django.core.management import call_command
from django.test import Client, override_settings

from tests.conftest import host_of

PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


def test_docs_page_and_its_collected_assets_with_debug_off(tmp_path, org_a):
    with override_settings(DEBUG=False, STATIC_ROOT=str(tmp_path), STORAGES=PRODUCTION_STORAGES,
                           WHITENOISE_AUTOREFRESH=False, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        for host in ("localhost", host_of(org_a)):
            client = Client(HTTP_HOST=host)  # a new handler: whitenoise indexes STATIC_ROOT now
            html = client.get("/api/v1/docs/").content.decode()
            assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
            bundle = [a for a in assets if "swagger-ui-bundle" in a]
            assert bundle and re.search(r"swagger-ui-bundle\.[0-9a-f]{12}\.js$", bundle[0])
            for asset in assets:
                response = client.get(asset)
                assert response.status_code == 200, asset
                assert b"".join(response.streaming_content), asset
