"""The OpenAPI schema of the REST API says what an operation answers when it refuses, too.

drf-spectacular documents only the success of each operation. These are the refusals every
caller meets, and which tools such as schemathesis check the API against: 401 (no or bad
credentials), 403 (signed in, not allowed), 404 (a missing id, someone else's thing, or a
page past the end of a list), 400 (what was sent is not valid: an object of field errors,
or a list of messages) and 415 (a body in a format the API does not read). The viewsets use it as ``schema = ErrorsDocumented()``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

Detail = inline_serializer("ErrorDetail", {"detail": serializers.CharField()})
INVALID = {
    "description": "What was sent is not valid: errors by field, or a list of messages.",
    "oneOf": [
        {"type": "object", "additionalProperties": {}},
        {"type": "array", "items": {"type": "string"}},
    ],
}


class ErrorsDocumented(AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        refusals: dict[str, Any] = {"401": Detail, "403": Detail}
        if "{" in self.path or (self.method == "GET" and self._is_list_view()):
            refusals["404"] = Detail  # a missing or hidden id; a page past the end
        if self.method in {"POST", "PUT", "PATCH"}:
            refusals["400"] = INVALID
            refusals["415"] = Detail  # a body in a format the API does not read
        for code, body in refusals.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(body, code, direction=direction)
        return responses
