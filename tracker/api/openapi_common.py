"""The building blocks every part of the OpenAPI document (tracker.api.openapi*) shares: a
reference, an object, a parameter, a page of items, and a read operation with its ETag."""

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties,
            "required": required if required is not None else list(properties)}


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


def path_param(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"},
            "description": description}


def page_of(name: str) -> dict:
    return obj({"items": {"type": "array", "items": ref(name)},
                "total": {"type": "integer", "minimum": 0},
                "page": {"type": "integer", "minimum": 1},
                "per_page": {"type": "integer", "minimum": 0}})


def error_response(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": ref("Error")}}}


ERRORS = {"400": error_response("A malformed argument, or a code that names nothing: detail "
                                "says which, in the reader's language"),
          "404": error_response("Nothing is known by this code")}
IF_NONE_MATCH = {
    "name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "The ETag of an earlier answer to the same URL: 304 without "
                   "a body while the public data did not change"}
_CACHE_CONTROL = {"description": "public, with a max-age (60 seconds unless configured): a "
                                 "shared cache may keep the answer that long",
                  "schema": {"type": "string"}}


def read(operation_id: str, tag: str, summary: str, description: str, schema: dict,
         parameters: list | None = None, errors: tuple = ("400",),
         etag: str = "Changes with the public data, the day and the URL") -> dict:
    """A GET with an ETag, answered 304 when If-None-Match holds it."""
    etag_header = {"ETag": {"description": etag, "required": True, "schema": {"type": "string"}}}
    return {"get": {
        "operationId": operation_id, "tags": [tag], "summary": summary,
        "description": description, "parameters": [*(parameters or []), IF_NONE_MATCH],
        "responses": {
            "200": {"description": "OK", "headers": {**etag_header,
                                                     "Cache-Control": _CACHE_CONTROL},
                    "content": {"application/json": {"schema": schema}}},
            "304": {"description": "Not modified since the ETag given in If-None-Match",
                    "headers": etag_header},
            **{code: ERRORS[code] for code in errors}}}}
