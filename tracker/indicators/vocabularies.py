"""The coded dimensions values are broken down by, with SDMX's codes where there is one
(``F``, ``M``, ``_O`` other, ``_U`` unknown, ``Y0T11`` ages 0 to 11, ``Y_GE60`` 60 and over).
The total over a dimension is ``_T`` (models.indicator.TOTAL), never a stored value."""

import sqlalchemy as sa

# code -> (name_es, name_en, [(code, name_es, name_en)]), in the order tables show them:
# children and adolescents first among the ages, as the minutes put them first.
DEFAULTS: dict[str, tuple[str, str, list[tuple[str, str, str]]]] = {
    "SEX": ("Sexo", "Sex", [
        ("F", "Mujeres", "Female"), ("M", "Hombres", "Male"),
        ("_O", "Otro o no consta", "Other or unknown")]),
    "AGE": ("Grupo de edad", "Age group", [
        ("Y0T11", "0 a 11 años (niñez)", "0 to 11 years (children)"),
        ("Y12T17", "12 a 17 años (adolescencia)", "12 to 17 years (adolescents)"),
        ("Y18T29", "18 a 29 años", "18 to 29 years"),
        ("Y30T59", "30 a 59 años", "30 to 59 years"),
        ("Y_GE60", "60 años y más", "60 years and over"),
        ("_U", "Edad no consta", "Age unknown")]),
    "MIGRATORY_STATUS": ("Situación migratoria", "Migratory status", [
        ("TRANSIT", "En tránsito", "In transit"),
        ("RETURNED", "Retornada", "Returned"),
        ("REFUGEE", "Refugiada o solicitante de asilo", "Refugee or asylum seeker"),
        ("REGULAR", "Regular", "Regular"),
        ("IRREGULAR", "Irregular", "Irregular"),
        ("_U", "No consta", "Unknown")]),
    "NATIONALITY": ("Nacionalidad", "Nationality", [
        ("BLZ", "Belice", "Belize"), ("CAN", "Canadá", "Canada"),
        ("CRI", "Costa Rica", "Costa Rica"), ("SLV", "El Salvador", "El Salvador"),
        ("USA", "Estados Unidos", "United States"), ("GTM", "Guatemala", "Guatemala"),
        ("HND", "Honduras", "Honduras"), ("MEX", "México", "Mexico"),
        ("NIC", "Nicaragua", "Nicaragua"), ("PAN", "Panamá", "Panama"),
        ("DOM", "República Dominicana", "Dominican Republic"),
        ("_O", "Otra nacionalidad", "Other nationality"), ("_U", "No consta", "Unknown")]),
}


def ensure_vocabularies(connection) -> int:
    """Insert the default dimensions and values that are missing (an install, a seed, an
    upgrade); values the secretariat added stay. Returns how many rows were added."""
    dimension, value = _tables()
    added = 0
    for position, (code, (name_es, name_en, values)) in enumerate(DEFAULTS.items()):
        dimension_id = connection.scalar(sa.select(dimension.c.id).where(dimension.c.code == code))
        if dimension_id is None:
            dimension_id = connection.execute(dimension.insert().values(
                code=code, name_es=name_es, name_en=name_en, position=position)
                .returning(dimension.c.id)).scalar_one()
            added += 1
        known = set(connection.scalars(sa.select(value.c.code)
                                       .where(value.c.dimension_id == dimension_id)))
        for place, (value_code, value_es, value_en) in enumerate(values):
            if value_code not in known:
                connection.execute(value.insert().values(
                    dimension_id=dimension_id, code=value_code, name_es=value_es,
                    name_en=value_en, position=place))
                added += 1
    return added


def _tables() -> tuple[sa.Table, sa.Table]:
    """The two tables as plain Core tables, so a migration can use this with its own schema."""
    metadata = sa.MetaData()
    dimension = sa.Table("dimension", metadata, sa.Column("id", sa.Integer, primary_key=True),
                         sa.Column("code", sa.String), sa.Column("name_es", sa.String),
                         sa.Column("name_en", sa.String), sa.Column("position", sa.Integer))
    value = sa.Table("dimension_value", metadata, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("dimension_id", sa.Integer), sa.Column("code", sa.String),
                     sa.Column("name_es", sa.String), sa.Column("name_en", sa.String),
                     sa.Column("position", sa.Integer))
    return dimension, value
