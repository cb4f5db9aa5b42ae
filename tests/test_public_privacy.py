"""No public page shows restricted evidence or personal data, whatever the database holds."""

import sqlalchemy as sa
from factories import commitment, make_evidence, make_user, report_status
from workflow_helpers import PDF, SECRETS, add_restricted_evidence

from tracker.evidence.storage import Upload
from tracker.extensions import db
from tracker.models import Commitment, Country, SourceDocument


def public_paths(app) -> list[str]:
    """Every GET route of the public blueprint, with every value its argument can take."""
    values = {
        "code": [c for c in db.session.scalars(sa.select(Commitment.code))],
        "iso3": [c for c in db.session.scalars(sa.select(Country.iso3))],
    }
    paths = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("public.") or "GET" not in rule.methods:
            continue
        if rule.endpoint == "public.set_language":
            continue  # a redirect, no page
        if rule.endpoint == "public.source_document":
            codes = db.session.scalars(sa.select(SourceDocument.code))
            paths += [f"/sources/{d}?quote=1" for d in codes]
        elif not rule.arguments:
            paths.append(rule.rule)
        else:
            (argument,) = rule.arguments
            paths += [rule.rule.replace(f"<{argument}>", v) for v in values[argument]]
    return paths + ["/commitments?q=secreta", "/commitments?country=MEX&sort=updated"]


def test_no_public_page_shows_restricted_evidence_or_personal_data(app, client, seeded):
    focal = make_user("focal_point", country="MEX", email="persona.privada@example.org",
                      name="Nombre Privado")
    mex = commitment("MT3-R01-MEX")
    report_status(focal, mex, "in_progress", 20, "Avance público")
    add_restricted_evidence(focal, mex)
    make_evidence(focal, mex, title="Informe público", upload=Upload("informe.pdf", PDF))

    paths = public_paths(app)
    assert "/commitments/MT3-R01-MEX" in paths and "/matrix" in paths and len(paths) > 290
    for language in ("es", "en"):
        for path in paths:
            response = client.get(path, headers={"Accept-Language": language})
            assert response.status_code == 200, path
            page = response.get_data(as_text=True)
            for secret in SECRETS:
                assert secret not in page, f"{secret!r} on {path}"
    page = client.get("/commitments/MT3-R01-MEX").get_data(as_text=True)
    assert "Informe público" in page and "Avance público" in page  # public things do show
