"""The OpenAPI description of Open311 GeoReport v2: what each answer holds, in JSON and XML.

Each Open311 route serves one format (`.json` or `.xml`), so each path documents one media
type. An XML answer holds the same fields as the JSON one, each item an element of the root
(`<services><service>…</service></services>`); errors are `<errors><error>…</error></errors>`.
"""

from __future__ import annotations

import re

from rest_framework import serializers

from gis.core import textguard
from gis.core.api.schema import ApiSchema


class Open311Service(textguard.Serializer):
    """A category as an Open311 service."""

    service_code = serializers.CharField()
    service_name = serializers.CharField()
    description = serializers.CharField()
    metadata = serializers.BooleanField(help_text="Always false: no extra attributes.")
    type = serializers.ChoiceField(choices=["realtime", "batch", "blackbox"])
    keywords = serializers.CharField()
    group = serializers.CharField(help_text="The department that owns the category.")


class Open311ServiceRequest(textguard.Serializer):
    """A resident pin as an Open311 service request (never contact details)."""

    service_request_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["open", "closed"])
    status_notes = serializers.CharField(allow_null=True, help_text="The public answer.")
    service_name = serializers.CharField()
    service_code = serializers.CharField()
    description = serializers.CharField(allow_null=True, help_text="Null when not published.")
    agency_responsible = serializers.CharField()
    service_notice = serializers.CharField(allow_null=True)
    requested_datetime = serializers.DateTimeField()
    updated_datetime = serializers.DateTimeField()
    expected_datetime = serializers.DateTimeField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    address_id = serializers.CharField(allow_null=True)
    zipcode = serializers.CharField(allow_null=True)
    lat = serializers.FloatField()
    long = serializers.FloatField()
    media_url = serializers.URLField(allow_null=True)


class Open311CreatedRequest(textguard.Serializer):
    """The answer to a POST: the new request's id (created at once, so never a token)."""

    service_request_id = serializers.CharField()
    service_notice = serializers.CharField(help_text="Thanks, with the address to follow it.")
    account_id = serializers.CharField(allow_null=True)


class Open311Token(textguard.Serializer):
    """The service request behind a token."""

    service_request_id = serializers.CharField()
    token = serializers.CharField()


OPEN311_ERROR = {
    "type": "object",
    "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    "required": ["code", "description"],
}


def _xml_list(schema: dict, root: str, item: str) -> dict:
    """The XML form of a JSON array schema: a root element wrapping one element per item."""
    return {
        "type": "array",
        "xml": {"name": root, "wrapped": True},
        "items": {"allOf": [schema["items"]], "xml": {"name": item}},
    }


class Open311Schema(ApiSchema):
    """Open311 answers: errors are lists of {code, description}; XML routes name elements."""

    def get_operation_id(self) -> str:
        """open311_<view>_<format>_<action>, e.g. open311_request_detail_xml_retrieve."""
        view = re.sub(r"(?<!^)(?=[A-Z])", "_", type(self.view).__name__).lower()
        action = "create" if self.method == "POST" else "retrieve" if "{" in self.path else "list"
        return f"open311_{view}_{self.view.renderer_classes[0].format}_{action}"

    def error_content(self, code: str) -> dict:
        if code == "503":
            return super().error_content(code)
        errors = {"type": "array", "items": self.error_component("Open311Error", OPEN311_ERROR)}
        return {media_type: {"schema": errors} for media_type in self.map_renderers("media_type")}

    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        for code, response in operation["responses"].items():
            xml = response.get("content", {}).get("text/xml")
            if xml is not None:
                names = self.view.xml_names if code < "400" else ("errors", "error")
                xml["schema"] = _xml_list(xml["schema"], *names)
        return operation
