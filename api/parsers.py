"""The API's JSON parser: DRF's, refusing a body nested deeper than `json_depth.MAX_JSON_DEPTH`
before parsing it (Python's parser would recurse until the interpreter's stack ran out: a
server error)."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.utils import json

from api.errors import BodyRefused
from core.json_depth import JsonTooDeep, loads_bounded


class DepthBoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        parse_constant = json.strict_constant if self.strict else None
        try:
            return loads_bounded(stream.read().decode(encoding), parse_constant=parse_constant)
        except JsonTooDeep as exc:
            raise BodyRefused("The JSON body nests too deeply: nothing was read or changed.",
                              [f"body: {exc}"]) from exc
        except ValueError as exc:  # malformed JSON, or not in the declared encoding
            raise ParseError(f"JSON parse error - {exc}") from exc
