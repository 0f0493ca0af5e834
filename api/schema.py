"""OpenAPI details drf-spectacular cannot infer: the error responses every operation can give."""

from drf_spectacular.openapi import AutoSchema

from api.errors import ErrorSerializer

ERRORS = {
    "400": "Bad input: every problem named (field and rule); nothing was changed.",
    "401": "No credentials, or a wrong token.",
    "403": "The caller's role may not do this.",
    "404": "No such record, or no such page.",
    "429": "Too many requests with this token; the Retry-After header says when to retry.",
}


class ApiSchema(AutoSchema):
    """Adds the project's error body for the failures every API operation can answer with."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, description in ERRORS.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(ErrorSerializer, code)
            # An operation may say more about its own refusals (OpenApiResponse's description).
            if not responses[code].get("description"):
                responses[code]["description"] = description
        return responses


def strict_string_parameters(result, generator, request, public):
    """Spectacular post-processing: a string parameter is never empty (StrictFilterBackend)
    and holds no NUL character (Django's forms refuse it; PostgreSQL cannot store it)."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                if schema.get("type") != "string" or "enum" in schema or "format" in schema:
                    continue
                schema.setdefault("minLength", 1)
                schema.setdefault("pattern", "^[^\\x00]+$")
    return result
