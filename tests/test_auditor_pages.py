"""An auditor's page: their observations with the answers received, following countries and
themes, and the weekly digest of public changes in what they follow (through real SMTP)."""

import datetime as dt

import pytest
import sqlalchemy as sa
import time_machine
from factories import make_evidence, make_observation, make_user, report_status

from tracker.audit.digest import public_changes, queue_follow_digests
from tracker.audit.follows import follow
from tracker.audit.observations import answer_observation, hide_observation
from tracker.core.outbox import deliver_due
from tracker.extensions import db
from tracker.models import (
    Commitment,
    Country,
    DataVersion,
    Follow,
    MessageKind,
    Observation,
    OutboxMessage,
    Theme,
    User,
)

PAGE, FOLLOWS = "/my/observations", "/my/follows"


def commitment(code: str) -> Commitment:
    return db.session.scalar(sa.select(Commitment).filter_by(code=code))


def user(person) -> User:
    return db.session.get(User, person.id)


def follow_rows() -> list[tuple]:
    return db.session.execute(sa.select(Follow.user_id, Follow.country_id, Follow.theme_id)
                              .order_by(Follow.id)).all()


def observation_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Observation))


def observe(person, code="MT1-R03-MEX", text="Sin informe público."):
    return make_observation(user(person), code, text=text)


# -- permissions ----------------------------------------------------------------------

ROUTES = [("get", PAGE, None), ("post", FOLLOWS, {"country": "MEX", "theme": ""}),
          ("post", "/my/follows/{id}/delete", {})]


def request(auth, method, path, data, follow_id):
    path = path.format(id=follow_id)
    if method == "get":
        return auth.client.get(path)
    return auth.post(path, data)


@pytest.mark.parametrize("method,path,data", ROUTES)
def test_anonymous_is_sent_to_log_in(client, auth, people, method, path, data):
    existing = follow(user(people["auditor"]), country_iso3="GTM")
    before = follow_rows()
    response = request(auth, method, path, data, existing.id)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert follow_rows() == before


@pytest.mark.parametrize("role", ["focal_point", "secretariat"])
@pytest.mark.parametrize("method,path,data", ROUTES)
def test_governments_and_the_secretariat_are_refused(client, auth, people, role, method, path,
                                                     data):
    existing = follow(user(people["auditor"]), country_iso3="GTM")
    before = follow_rows()
    auth.login(people[role].email)
    assert request(auth, method, path, data, existing.id).status_code == 403
    assert follow_rows() == before


@pytest.mark.parametrize("method,path,data,expected", [
    (*ROUTES[0], 200), (*ROUTES[1], 302), (*ROUTES[2], 302)])
def test_auditors_are_let_in(client, auth, people, method, path, data, expected):
    existing = follow(user(people["auditor"]), country_iso3="GTM")
    auth.login(people["auditor"].email)
    assert request(auth, method, path, data, existing.id).status_code == expected


def test_the_nav_link_shows_for_auditors_only(client, auth, people):
    for role, shown in (("auditor", True), ("focal_point", False), ("secretariat", False)):
        auth.login(people[role].email)
        assert (f'href="{PAGE}"' in client.get("/").get_data(as_text=True)) is shown
        auth.logout()


# -- the page -------------------------------------------------------------------------

def test_an_auditor_sees_their_observations_and_the_answers_not_others(client, auth, people):
    answered = observe(people["auditor"], text="Falta el presupuesto.")
    answer_observation(user(people["focal_point"]), answered, "El presupuesto se publicó.")
    observe(people["auditor"], code="MT1-R01-MEX", text="Sin avances visibles.")
    hidden = observe(people["auditor"], code="MT1-R02-MEX", text="Texto ofensivo.")
    hide_observation(user(people["secretariat"]), hidden, "Lenguaje ofensivo")
    observe(people["other_auditor"], text="Observación de otra red.")
    auth.login(people["auditor"].email)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Falta el presupuesto." in page and "El presupuesto se publicó." in page
    assert "Gobierno de México" in page
    assert "Sin avances visibles." in page and "En espera de una respuesta." in page
    assert "Ocultada por la secretaría: Lenguaje ofensivo" in page
    assert 'href="/commitments/MT1-R03-MEX#observation-' in page
    assert "Observación de otra red." not in page
    # newest first
    assert page.index("Texto ofensivo.") < page.index("Sin avances") < page.index("Falta el")


def test_my_observations_is_one_query(app, people, count_queries):
    from tracker.audit.follows import my_observations

    for code in ("MT1-R01-MEX", "MT1-R02-MEX", "MT1-R03-MEX"):
        answer_observation(user(people["focal_point"]), observe(people["auditor"], code), "Sí.")
    db.session.expire_all()
    auditor = user(people["auditor"])
    with count_queries() as statements:
        rows = my_observations(auditor)
        texts = [(o.commitment.code, o.commitment.recommendation.title_es, o.hiding,
                  [(a.text, a.country.iso3) for a in o.answers]) for o in rows]
    assert len(texts) == 3 and all(t[3] == [("Sí.", "MEX")] for t in texts)
    assert len(statements) == 1


# -- following ------------------------------------------------------------------------

def test_follow_a_country_and_a_theme_then_unfollow(client, auth, people):
    auth.login(people["auditor"].email)
    assert auth.post(FOLLOWS, {"country": "MEX", "theme": ""}, token_from=PAGE).status_code == 302
    assert auth.post(FOLLOWS, {"country": "", "theme": "children"},
                     token_from=PAGE).status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "México" in page and "Niñez" in page
    mex = db.session.scalar(sa.select(Country.id).filter_by(iso3="MEX"))
    children = db.session.scalar(sa.select(Theme.id).filter_by(code="children"))
    auditor_id = people["auditor"].id
    assert follow_rows() == [(auditor_id, mex, None), (auditor_id, None, children)]
    first = db.session.scalar(sa.select(Follow.id).order_by(Follow.id))
    response = auth.post(f"/my/follows/{first}/delete", token_from=PAGE)
    assert response.status_code == 302
    assert follow_rows() == [(auditor_id, None, children)]


@pytest.mark.parametrize("data,message", [
    ({"country": "", "theme": ""}, "Elija un país o un tema"),
    ({"country": "MEX", "theme": "children"}, "Elija un país o un tema"),
    ({"country": "XXX", "theme": ""}, "País desconocido."),
    ({"country": "", "theme": "nonsense"}, "Tema desconocido."),
    ({"country": "GTM", "theme": ""}, "Ya lo sigue."),
])
def test_bad_follow_requests_answer_400_and_write_nothing(client, auth, people, data, message):
    follow(user(people["auditor"]), country_iso3="GTM")
    before = follow_rows()
    auth.login(people["auditor"].email)
    response = auth.post(FOLLOWS, data, token_from=PAGE)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert follow_rows() == before


def test_a_missing_csrf_token_is_refused(client, auth, people):
    existing = follow(user(people["auditor"]), country_iso3="GTM")
    auth.login(people["auditor"].email)
    before = follow_rows()
    assert client.post(FOLLOWS, data={"country": "MEX"}).status_code == 400
    assert client.post(f"/my/follows/{existing.id}/delete").status_code == 400
    assert follow_rows() == before


def test_nobody_deletes_someone_elses_follow(client, auth, people):
    theirs = follow(user(people["other_auditor"]), country_iso3="MEX")
    before = follow_rows()
    auth.login(people["auditor"].email)
    assert auth.post(f"/my/follows/{theirs.id}/delete", token_from=PAGE).status_code == 404
    assert auth.post("/my/follows/999999/delete", token_from=PAGE).status_code == 404
    assert follow_rows() == before
    assert "Otra Red" not in client.get(PAGE).get_data(as_text=True)


def test_the_database_refuses_a_follow_of_both_or_neither(app, people):
    mex = db.session.scalar(sa.select(Country.id).filter_by(iso3="MEX"))
    children = db.session.scalar(sa.select(Theme.id).filter_by(code="children"))
    for country_id, theme_id in ((mex, children), (None, None)):
        db.session.add(Follow(user_id=people["auditor"].id, country_id=country_id,
                              theme_id=theme_id))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_the_database_refuses_a_second_follow_of_the_same_country_or_theme(app, people):
    """What a double click racing past the service's check would write."""
    mex = db.session.scalar(sa.select(Country.id).filter_by(iso3="MEX"))
    children = db.session.scalar(sa.select(Theme.id).filter_by(code="children"))
    auditor = people["auditor"].id
    for country_id, theme_id in ((mex, None), (None, children)):
        db.session.add(Follow(user_id=auditor, country_id=country_id, theme_id=theme_id))
        db.session.commit()
        db.session.add(Follow(user_id=auditor, country_id=country_id, theme_id=theme_id))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert len(follow_rows()) == 2


def test_following_does_not_change_the_public_data_version(app, people):
    version = sa.select(DataVersion.value)
    before = db.session.scalar(version)
    follow(user(people["auditor"]), country_iso3="MEX")
    assert db.session.scalar(version) == before


# -- the weekly digest, through a real SMTP server --------------------------------------

TODAY = dt.date(2026, 11, 27)  # a Friday, the weekly summary's day
NOW = dt.datetime(2026, 11, 27, 12, tzinfo=dt.timezone.utc)


@pytest.fixture
def mail_people(mail_app, mail_seeded):
    """On the seeded mail app: a Spanish auditor following Mexico, an English one following
    the children theme, an auditor following nothing, and a focal point of each country."""
    people = {
        "es": make_user("auditor", email="sigue.mex@example.org", name="Persona",
                        organisation="Red Civil", language="es"),
        "en": make_user("auditor", email="follows.children@example.org", name="Persona",
                        organisation="Academia", language="en"),
        "none": make_user("auditor", email="nada@example.org", name="Persona",
                          organisation="Nadie", language="es"),
        "mex": make_user("focal_point", country="MEX", email="fp.mex@example.org",
                         name="Persona", language="es"),
        "gtm": make_user("focal_point", country="GTM", email="fp.gtm@example.org",
                         name="Persona", language="es"),
    }
    follow(people["es"], country_iso3="MEX")
    follow(people["en"], theme_code="children")
    return people


def test_the_digest_lists_followed_changes_with_links_once_a_week(mail_app, smtp_server,
                                                                 mail_people):
    with time_machine.travel(NOW - dt.timedelta(days=10), tick=False):
        report_status(mail_people["mex"], "MT1-R02-MEX", "not_started")  # too old
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        report_status(mail_people["mex"], "MT1-R01-MEX", "in_progress", 40)
        report_status(mail_people["gtm"], "MT1-R01-GTM", "in_progress", 10)
    queue_follow_digests(TODAY)
    deliver_due()
    mail = {m["To"]: m for m in smtp_server.messages}
    body = mail["sigue.mex@example.org"].get_content()
    assert "semana 2026-W48" in mail["sigue.mex@example.org"]["Subject"]
    assert "MT1-R01-MEX" in body and "En curso (40 %)" in body
    assert "https://tracker.example.org/commitments/MT1-R01-MEX" in body
    assert "MT1-R02-MEX" not in body  # changed ten days ago
    assert "MT1-R01-GTM" not in body  # a change elsewhere (this reader follows Mexico only)
    assert "https://tracker.example.org/my/observations" in body
    assert "nada@example.org" not in mail  # follows nothing
    # The same week again (another day, new changes): nothing more is sent.
    with time_machine.travel(NOW, tick=False):
        report_status(mail_people["mex"], "MT1-R03-MEX", "in_progress", 5)
    for day in (TODAY, TODAY + dt.timedelta(days=2)):
        queue_follow_digests(day)
        deliver_due()
    assert [m["To"] for m in smtp_server.messages].count("sigue.mex@example.org") == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == MessageKind.FOLLOW_DIGEST,
        OutboxMessage.recipient == "sigue.mex@example.org")) == 1


def test_the_digest_is_in_the_readers_language_and_follows_themes(mail_app, smtp_server,
                                                                  mail_people):
    children = db.session.scalars(
        sa.select(Commitment).join(Commitment.recommendation).join_from(
            Commitment, Commitment.country).where(Country.iso3 == "GTM")).all()
    code = next(c.code for c in children if c.recommendation.theme.code == "children")
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        report_status(mail_people["gtm"], code, "completed", 100)
    queue_follow_digests(TODAY)
    deliver_due()
    mail = {m["To"]: m for m in smtp_server.messages}
    english = mail["follows.children@example.org"]
    assert "you follow" in english["Subject"] and "Completed (100 %)" in english.get_content()
    assert f"https://tracker.example.org/commitments/{code}" in english.get_content()
    assert "Children" in english.get_content()
    assert "sigue.mex@example.org" not in mail  # nothing changed in Mexico


def test_observations_answers_and_evidence_are_listed_hidden_ones_not(mail_app, smtp_server,
                                                                       mail_people):
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        seen = make_observation(mail_people["en"], "MT1-R02-MEX", text="Sin datos.")
        answer_observation(mail_people["mex"], seen, "Datos en camino.")
        hidden = make_observation(mail_people["en"], "MT1-R04-MEX", assessment="no_evidence",
                                  text="Ofensivo.")
        secretariat = make_user("secretariat", email="sec@example.org", name="S")
        hide_observation(secretariat, hidden, "Insultos")
        for visibility, title in (("public", "Informe anual"), ("restricted", "Borrador")):
            make_evidence(mail_people["mex"], "MT1-R05-MEX", title=title, dated=TODAY,
                          visibility=visibility, url="https://example.org/doc")
    kinds = {(c.code, c.kind) for c in public_changes(TODAY)}
    assert {("MT1-R02-MEX", "observation"), ("MT1-R02-MEX", "answer"),
            ("MT1-R05-MEX", "evidence")} <= kinds
    assert ("MT1-R04-MEX", "observation") not in kinds
    queue_follow_digests(TODAY)
    deliver_due()
    body = {m["To"]: m for m in smtp_server.messages}["sigue.mex@example.org"].get_content()
    assert "Academia" in body and "México respondió" in body
    assert "Informe anual" in body and "Borrador" not in body and "Ofensivo" not in body
    assert f"https://tracker.example.org/commitments/MT1-R02-MEX#observation-{seen.id}" in body


def test_one_click_in_the_digest_stops_the_next_weeks(mail_app, smtp_server, mail_people):
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        report_status(mail_people["mex"], "MT1-R01-MEX", "in_progress", 40)
    queue_follow_digests(TODAY)
    deliver_due()
    mail = {m["To"]: m for m in smtp_server.messages}["sigue.mex@example.org"]
    link = mail["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://tracker.example.org/unsubscribe/")
    assert link in mail.get_content()
    page = mail_app.test_client().get(link.removeprefix("https://tracker.example.org"))
    assert "países y temas que sigue" in page.get_data(as_text=True)  # Spanish by default
    assert "sigue.mex" not in page.get_data(as_text=True)  # the address is masked
    response = mail_app.test_client().post(link.removeprefix("https://tracker.example.org"),
                                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert db.session.get(User, mail_people["es"].id).digest_frequency.value == "none"
    # Next week Mexico changes again: nothing for them; the follows themselves are kept.
    with time_machine.travel(NOW + dt.timedelta(days=6), tick=False):
        report_status(mail_people["mex"], "MT1-R02-MEX", "in_progress", 10)
    queue_follow_digests(TODAY + dt.timedelta(days=7))
    deliver_due()
    assert [m["To"] for m in smtp_server.messages].count("sigue.mex@example.org") == 1
    assert len(follow_rows()) == 2


def test_dry_run_writes_nothing_and_the_cli_queues(mail_app, smtp_server, mail_people):
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        report_status(mail_people["mex"], "MT1-R01-MEX", "in_progress", 40)
    planned = queue_follow_digests(TODAY, dry_run=True)
    assert "sigue.mex@example.org" in [m.recipient for m in planned]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    result = mail_app.test_cli_runner().invoke(args=[
        "reminders", "run", "--today", TODAY.isoformat(), "--weekly-summary"])
    assert result.exit_code == 0, result.output
    assert "queued: follow_digest 2026-W48 to sigue.mex@example.org" in result.output
    assert "sigue.mex@example.org" in [m["To"] for m in smtp_server.messages]


def test_the_weekly_summary_job_queues_the_follow_digests(mail_app, mail_people, monkeypatch):
    from tracker.reminders import scheduler

    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        report_status(mail_people["mex"], "MT1-R01-MEX", "in_progress", 40)
    monkeypatch.setattr(scheduler, "_app", mail_app)
    with time_machine.travel(NOW, tick=False):  # the scheduler's today is TODAY
        assert scheduler.weekly_summary_job()
    assert db.session.scalar(sa.select(OutboxMessage.recipient).where(
        OutboxMessage.kind == MessageKind.FOLLOW_DIGEST)) == "sigue.mex@example.org"
