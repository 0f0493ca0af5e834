"""One error body for every API failure: `{"detail": "...", "problems": ["where: what", ...]}`.

The casebook import set the shape (a sentence, then one line per problem naming the field and the
rule); 400, 401, 403, 404, 405, 415 and 429 all answer with it, so a client reads errors one way.
"""

from rest_framework import exceptions, serializers
from rest_framework.views import exception_handler


class ErrorSerializer(serializers.Serializer):
    """Documents the error body in the OpenAPI schema."""

    detail = serializers.CharField(help_text="What went wrong, in one sentence.")
    problems = serializers.ListField(
        child=serializers.CharField(),
        help_text="One line per problem, `field: rule broken` (a JSON path for request bodies); "
                  "empty when the whole request is refused (401, 403, 404, 429).")


def _flatten(data, prefix="") -> list[str]:
    if isinstance(data, dict):
        return [line for key, value in data.items()
                for line in _flatten(value, f"{prefix}.{key}" if prefix else str(key))]
    if isinstance(data, list):
        if all(not isinstance(item, dict | list) for item in data):
            return [f"{prefix}: {item}" if prefix else str(item) for item in data]
        return [line for i, item in enumerate(data) for line in _flatten(item, f"{prefix}[{i}]")]
    return [f"{prefix}: {data}" if prefix else str(data)]


def error_body(detail: str, problems: list[str] | None = None) -> dict:
    return {"detail": detail, "problems": problems or []}


def api_exception_handler(exc, context):
    """DRF's handler (status, headers such as Retry-After), with the project's body."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        problems = _flatten(response.data)
        response.data = error_body(f"{len(problems)} problem(s) in the request.", problems)
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = error_body(str(detail))
    return response
