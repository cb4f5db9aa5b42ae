"""The OpenAPI document is valid, and the API keeps to it under generated requests."""

import schemathesis
from factories import make_indicator, make_indicator_report, make_user
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig

from tracker.accounts.api_tokens import SCOPES, create_token
from tracker.permissions import SYSTEM

# schemathesis' lazy pytest fixture loader does not run on pytest 9 (it sets a private
# attribute pytest removed), so the operations are driven by Hypothesis directly.
# Derandomized: CI runs the same examples every time (a random failure would block a
# submission without pointing at a change); set it False for a while to explore further.
SETTINGS = settings(max_examples=40, deadline=None, database=None, derandomize=True,
                    suppress_health_check=list(HealthCheck))
# A schema-valid write may still be refused by a rule no schema states (422): a note the
# new status needs, nothing to record, a file whose content is not an accepted type. A 400
# for schema-valid data stays a failure: the body reader accepts what the document promises.
WRITE_CONFIG = SchemathesisConfig.from_dict({"checks": {"positive_data_acceptance": {
    "expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]}}})


def test_the_document_is_valid_openapi(client, seeded):
    document = client.get("/api/v1/openapi.json").json
    validate(document)  # raises on any departure from the OpenAPI 3.1 specification
    assert document["openapi"].startswith("3.1")
    assert set(document["paths"]) >= {"/commitments", "/commitments/{code}", "/stats",
                                      "/recommendations", "/countries", "/themes", "/meetings",
                                      "/commitments/{code}/updates",
                                      "/commitments/{code}/evidence", "/reports"}
    writes = [document["paths"][p]["post"] for p in ("/commitments/{code}/updates",
                                                     "/commitments/{code}/evidence",
                                                     "/indicators/{code}/reports")]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        **document["components"]["securitySchemes"]["bearerAuth"], "type": "http",
        "scheme": "bearer"}
    for write in writes:
        assert write["security"] == [{"bearerAuth": []}] and write["operationId"]
        assert {"201", "400", "401", "403", "404", "409", "415", "422", "429"} <= \
            set(write["responses"])
        assert "Idempotency-Key" in [p["name"] for p in write["parameters"]]
    assert "security" not in document  # the reads stay anonymous
    assert all("security" not in op for path in document["paths"].values()
               for op in path.values() if op not in writes)


def test_api_keeps_to_its_document(app, seeded):
    """Every operation, with valid and invalid arguments: no server error, no answer outside
    its own schema, invalid input refused with a 4xx (schemathesis' default checks)."""
    indicator = make_indicator(dimensions=("SEX", "AGE"))  # answers with values to check
    make_indicator_report(make_user("focal_point", country="MEX"), indicator, cells={
        (None, None): 40, ("F", None): 22, ("M", None): 18, (None, "Y0T11"): 40,
        ("F", "Y0T11"): 22, ("M", "Y0T11"): 18})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    reads = [o for o in operations if o.method.upper() == "GET"]
    assert len(reads) == 14  # ... and /reports
    _keep_to_the_document(reads)


def test_writes_keep_to_their_document(app, seeded):
    """The writes with a live token of each scope, against the test database: valid and
    invalid bodies, keys and codes, every answer documented (201, 4xx), never a 5xx."""
    app.config["API_WRITE_RATE_LIMIT"] = "100000 per minute"  # 429 is tested on its own
    focal = make_user("focal_point", country="MEX")
    value = create_token(SYSTEM, focal, name="schemathesis", scopes=list(SCOPES))[1]
    make_indicator("DEMO-VICTIMAS-TRATA")  # the document's example code: reports get checked
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=WRITE_CONFIG)
    writes = [result.ok() for result in schema.get_all_operations()
              if result.ok().method.upper() == "POST"]
    assert {o.path for o in writes} == {"/commitments/{code}/updates",
                                        "/commitments/{code}/evidence",
                                        "/indicators/{code}/reports"}
    _keep_to_the_document(writes, {"Authorization": f"Bearer {value}"})


def _keep_to_the_document(operations, headers=None) -> None:
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def keeps_to_the_document(case):
                case.call_and_validate(headers=headers)

            try:
                keeps_to_the_document()
            except Unsatisfiable:
                # no invalid request exists for an operation taking no constrained argument
                assert mode == GenerationMode.NEGATIVE, operation.label
