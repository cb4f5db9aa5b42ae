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


def test_every_translatable_text_in_the_code_is_in_the_catalogue():
    """What `make extract` would find (its keywords, babel.cfg's files) is all translated: a
    text behind a keyword extract does not know would stay English for every reader."""
    import re

    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_keywords, parse_mapping_cfg

    command = re.search(r"pybabel extract (.*)", (REPO / "Makefile").read_text()).group(1)
    keywords = DEFAULT_KEYWORDS | parse_keywords(re.findall(r"-k (\S+)", command))
    aliases = {alias for path in (REPO / "tracker").rglob("*.py") for alias in re.findall(
        r"\b(?:lazy_)?n?gettext as (\w+)", path.read_text())}
    assert aliases <= set(keywords), f"make extract does not know {aliases - set(keywords)}"
    with (REPO / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {message[2] if isinstance(message[2], str) else message[2][0]
             for message in extract_from_dir(str(REPO), method_map, options_map, keywords)}
    with CATALOGUE.open("rb") as f:
        catalogue = read_po(f)
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
    assert sorted(found - known) == []
