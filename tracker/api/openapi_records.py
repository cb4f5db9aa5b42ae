"""The records the read API answers with, as schemas of the OpenAPI document
(tracker.api.openapi): every code is a plain string, never an enum of what the database
holds today, so a client generated now accepts the meetings, themes and countries added
later. Enums are the tracker's own vocabularies (statuses, ratings), part of the contract."""

from tracker.api.openapi_common import NULLABLE_INT, NULLABLE_STRING, obj as _obj, ref as _ref
from tracker.models import Assessment, OrganisationKind, Status

STATUSES = [s.value for s in Status]
ASSESSMENTS = [a.value for a in Assessment]
DATE = {"type": ["string", "null"], "format": "date"}
COUNTS = {"total": {"type": "integer"}, "progress": {"type": "number"},
          "by_status": {"type": "object", "additionalProperties": {"type": "integer"}}}

SCHEMAS = {
    "Error": _obj({"error": _obj({"status": {"type": "integer"}, "title": {"type": "string"},
                                  "detail": {"type": "string"}})}),
    "Commitment": _obj({
        "code": {"type": "string"}, "recommendation_code": {"type": "string"},
        "country": {"type": "string"}, "theme": {"type": "string"},
        "meeting": {"type": "string"}, "working_table": {"type": "string"},
        "status": {"type": "string", "enum": STATUSES},
        "progress": {"type": ["integer", "null"], "minimum": 0, "maximum": 100},
        "due_date": DATE, "responsible_institution": NULLABLE_STRING,
        "updated_at": {"type": "string", "format": "date-time"},
        "version": {"type": "integer", "description": "Changes with every update; send it "
                    "back with yours (POST /commitments/{code}/updates)"},
        "title_es": {"type": "string"}, "title_en": {"type": "string"},
        "url": {"type": "string", "format": "uri"},
        "assessment": {"type": ["string", "null"], "enum": ASSESSMENTS + [None],
                       "description": "Latest visible civil-society rating (OGP scale)"},
        "contested": {"type": "boolean", "description": "The latest rating is below what the "
                      "government claims and newer than its latest update"}}),
    "Event": _obj({
        "commitment": {"type": "string"}, "country": {"type": "string"},
        "at": {"type": "string", "format": "date-time"},
        "from_status": {"type": ["string", "null"], "enum": STATUSES + [None]},
        "to_status": {"type": "string", "enum": STATUSES}, "progress": NULLABLE_INT,
        "note": NULLABLE_STRING,
        "actor_role": {"type": "string", "description": "system, focal_point or secretariat"},
        "actor_country": NULLABLE_STRING}),
    "Evidence": _obj({
        "title": {"type": "string"}, "dated": {"type": "string", "format": "date"},
        "added_at": {"type": "string", "format": "date-time"},
        "kind": {"type": "string", "enum": ["file", "link"]}, "url": {"type": "string"},
        "content_type": NULLABLE_STRING, "size": NULLABLE_INT, "sha256": NULLABLE_STRING}),
    "Observation": _obj({
        "id": {"type": "integer"}, "organisation": {"type": "string"},
        "organisation_kind": {"type": ["string", "null"],
                              "enum": [k.value for k in OrganisationKind] + [None]},
        "assessment": {"type": "string", "enum": ASSESSMENTS},
        "text": {"type": ["string", "null"], "description": "null when hidden"},
        "links": {"type": "array", "items": {"type": "string"}},
        "at": {"type": "string", "format": "date-time"}, "hidden": {"type": "boolean"},
        "hidden_reason": NULLABLE_STRING,
        "answers": {"type": "array", "description": "empty when hidden", "items": _obj({
            "at": {"type": "string", "format": "date-time"}, "country": {"type": "string"},
            "text": {"type": "string"}})}}),
    "Group": {"type": "object", "properties": {
        "country": {"type": "string"}, "theme": {"type": "string"},
        "name_es": {"type": "string"}, "name_en": {"type": "string"}, **COUNTS},
        "required": ["name_es", "name_en", *COUNTS]},
    "Stats": _obj({"total": {"type": "integer"}, "overdue": {"type": "integer"},
                   "progress": {"type": "number"},
                   "by_status": _obj({s: {"type": "integer"} for s in STATUSES}),
                   "by_country": {"type": "array", "items": _ref("Group")},
                   "by_theme": {"type": "array", "items": _ref("Group")}}),
    "Recommendation": _obj({
        "code": {"type": "string"},
        "kind": {"type": "string", "enum": ["recommendation", "earlier_agreement"]},
        "year": NULLABLE_INT, "meeting": {"type": "string"},
        "working_table": {"type": "string"}, "theme": {"type": "string"},
        "section": {"type": "string"}, "position": {"type": "integer"},
        "title_es": {"type": "string"}, "title_en": {"type": "string"},
        "text_es": {"type": "string"},
        "editorial_note": {**NULLABLE_STRING, "description": "the editorial note in English"},
        "editorial_note_es": {**NULLABLE_STRING,
                              "description": "the editorial note in Spanish"}}),
    "Country": _obj({"iso3": {"type": "string"}, "name_es": {"type": "string"},
                     "name_en": {"type": "string"},
                     "regional": {"type": "boolean", "description": "true for the CRM itself "
                                  "(iso3 CRM, a regional body reported by the secretariat), "
                                  "false for a member state"},
                     "url": {"type": "string"}, **COUNTS}),
    "Theme": _obj({"code": {"type": "string"}, "name_es": {"type": "string"},
                   "name_en": {"type": "string"}, **COUNTS}),
    "Meeting": _obj({"code": {"type": "string"}, "name": NULLABLE_STRING, "held_on": DATE,
                     "city": NULLABLE_STRING, "venue": NULLABLE_STRING,
                     "url": {"type": "string"},
                     "working_tables": {"type": "array", "items": _obj({
                         "code": {"type": "string"}, "name_es": {"type": "string"},
                         "name_en": {"type": "string"}})}}),
}
SCHEMAS["CommitmentDetail"] = {"allOf": [_ref("Commitment"), _obj({
    "history": {"type": "array", "items": _ref("Event")},
    "evidence": {"type": "array", "items": _ref("Evidence")},
    "observations": {"type": "array", "items": _ref("Observation")}})]}
SCHEMAS["RecommendationDetail"] = {"allOf": [_ref("Recommendation"), _obj({
    "commitments": {"type": "array", "items": _obj({
        "code": {"type": "string"}, "country": {"type": "string"},
        "status": {"type": "string", "enum": STATUSES}, "progress": NULLABLE_INT,
        "due_date": DATE, "url": {"type": "string"}})},
    "sources": {"type": "array", "items": _obj({
        "document": {"type": "string"}, "quote": {"type": "string"},
        "url": {"type": "string"}})}})]}
