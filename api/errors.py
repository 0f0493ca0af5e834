"""One error body for every API failure: `{"detail": "...", "problems": ["where: what", ...]}`.

The casebook import set the shape (a sentence, then one line per problem naming the field and the
rule); 400, 401, 403, 404, 405, 413, 415 and 429 all answer with it, so a client reads errors one
way.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, serializers, status
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


class BodyRefused(exceptions.ParseError):
    """A request body refused as a whole, with the rule it breaks as its problem."""

    def __init__(self, detail: str, problems: list[str]):
        super().__init__(detail)
        self.problems = problems


class BodyTooLarge(exceptions.APIException):
    """413: the body is over the request-size limit; it was not read."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE

    def __init__(self, limit: int, setting: str, hint: str = ""):
        super().__init__(f"The request body is over the limit of {limit:,} bytes ({setting}): "
                         f"nothing was read or changed.{hint}")
        self.problems = [f"body: larger than {limit:,} bytes"]


def request_body_limit_exceeded() -> BodyTooLarge:
    return BodyTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE, "REQUEST_BODY_MAX_BYTES")


def api_exception_handler(exc, context):
    """DRF's handler (status, headers such as Retry-After), with the project's body."""
    if isinstance(exc, RequestDataTooBig):  # Django's limit, met while reading the body
        exc = request_body_limit_exceeded()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        problems = _flatten(response.data)
        response.data = error_body(f"{len(problems)} problem(s) in the request.", problems)
    else:
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else ""
        response.data = error_body(str(detail), getattr(exc, "problems", None))
    return response
