"""The browsable API is off in production: the production settings (imported in a subprocess
with the environment they need) render the API as JSON only, even for a browser's Accept."""

from __future__ import annotations

import json

from tests.trust.test_secure_settings import production_env, run

PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
from rest_framework.settings import api_settings

client = Client(HTTP_HOST="trygg.example.se")
browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
page = client.get("/api/categories/", secure=True, HTTP_ACCEPT=browser)
forced = client.get("/api/categories/?format=api", secure=True, HTTP_ACCEPT=browser)
xml = client.get("/open311/v2/services.xml", secure=True)
print(json.dumps({
    "renderers": [c.__module__ + "." + c.__name__ for c in api_settings.DEFAULT_RENDERER_CLASSES],
    "configured": settings.REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"],
    "page_status": page.status_code,
    "page_type": page["Content-Type"],
    "page_body": page.content.decode()[:200],
    "forced_status": forced.status_code,
    "forced_type": forced.get("Content-Type", ""),
    "xml_status": xml.status_code,
    "xml_type": xml["Content-Type"],
}))
"""


def test_the_browsable_api_is_off_in_production(test_database_name):
    result = run(["-c", PROBE], production_env(test_database_name))
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert not any("Browsable" in name for name in found["renderers"]), found["renderers"]
    assert found["configured"] == ["rest_framework.renderers.JSONRenderer"]
    assert found["page_status"] == 200 and found["page_type"] == "application/json"
    assert "<html" not in found["page_body"].lower()
    assert found["forced_status"] == 404 and "text/html" not in found["forced_type"].split(";")[0]
    assert found["xml_status"] == 200 and "xml" in found["xml_type"]
