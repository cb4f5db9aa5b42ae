"""Every text a person sees exists in Spanish, the default language."""

from pathlib import Path

from babel.messages.pofile import read_po

REPO = Path(__file__).resolve().parent.parent
CATALOGUE = REPO / "tracker/translations/es/LC_MESSAGES/messages.po"


def test_spanish_catalogue_is_complete_and_not_fuzzy():
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    missing = [m.id for m in catalogue if m.id and not m.string]
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert missing == [] and fuzzy == []


def test_pages_are_in_spanish_by_default_and_english_on_request(client, seeded):
    spanish = client.get("/login").get_data(as_text=True)
    english = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Iniciar sesión" in spanish and "Log in" in english
