"""The OpenAPI document is valid, and the API keeps to it under generated requests."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis import GenerationMode

# schemathesis' lazy pytest fixture loader does not run on pytest 9 (it sets a private
# attribute pytest removed), so the operations are driven by Hypothesis directly.
SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck))


def test_the_document_is_valid_openapi(client, seeded):
    document = client.get("/api/v1/openapi.json").json
    validate(document)  # raises on any departure from the OpenAPI 3.1 specification
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) >= {"/commitments", "/commitments/{code}", "/stats",
                                      "/recommendations", "/countries", "/themes", "/meetings"}


def test_api_keeps_to_its_document(app, seeded):
    """Every operation, with valid and invalid arguments: no server error, no answer outside
    its own schema, invalid input refused with a 4xx (schemathesis' default checks)."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def keeps_to_the_document(case):
                case.call_and_validate()

            try:
                keeps_to_the_document()
            except Unsatisfiable:
                # no invalid request exists for an operation taking no constrained argument
                assert mode == GenerationMode.NEGATIVE, operation.label
