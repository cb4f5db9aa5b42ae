"""Demo indicators and their reported values, for trying the indicator pages at any size: a
few indicators on demo recommendations, reported yearly by each owner for the last three
years, broken down by sex (and some by sex and age), with the small counts real reports have.

Written through the ORM in the demo's transaction, so the ledger's hook chains each report as
it would a real one; the values add up, as the reporting service requires.
"""

import datetime as dt
import random

import sqlalchemy as sa

from tracker.extensions import db
from tracker.models import (
    Commitment,
    Dimension,
    DimensionValue,
    Frequency,
    Indicator,
    IndicatorDimension,
    IndicatorReport,
    IndicatorValue,
    Recommendation,
    Unit,
)

YEARS = 3  # reported: the last three whole years
# (code, name_es, name_en, unit, dimensions, typical yearly total)
SPECS = (
    ("NNA-CONSULAR", "Niñas, niños y adolescentes migrantes atendidos por la red consular",
     "Migrant children and adolescents assisted by the consular network", Unit.COUNT,
     ("SEX", "AGE"), 300),
    ("VICTIMAS-TRATA", "Víctimas de trata identificadas", "Identified victims of trafficking",
     Unit.COUNT, ("SEX",), 25),
    ("RETORNADAS", "Personas retornadas que recibieron atención", "Returnees assisted",
     Unit.COUNT, ("SEX", "MIGRATORY_STATUS"), 900),
    ("FUNCIONARIOS", "Funcionarios capacitados en protección", "Officials trained in protection",
     Unit.COUNT, ("SEX",), 120),
    ("CONSULADOS-PROTOCOLO", "Consulados que aplican el protocolo regional",
     "Consulates applying the regional protocol", Unit.PERCENT, (), 60),
    ("DIAS-RESPUESTA", "Días hasta la primera atención consular",
     "Days to the first consular assistance", Unit.DAYS, (), 12),
)


def write_demo_indicators(rng: random.Random, today: dt.date) -> dict[str, int]:
    """The indicators on the first demo recommendations and every owner's last years."""
    recommendations = list(db.session.scalars(
        sa.select(Recommendation).where(Recommendation.code.startswith("DEMO-"))
        .order_by(Recommendation.id).limit(len(SPECS))))
    dimensions = {d.code: d for d in db.session.scalars(sa.select(Dimension))}
    values = {code: list(d.values) for code, d in dimensions.items()}
    counts = {"indicators": 0, "indicator_reports": 0}
    years = [str(today.year - back) for back in range(YEARS, 0, -1)]
    for (code, name_es, name_en, unit, dims, typical), rec in zip(SPECS, recommendations,
                                                                   strict=False):
        indicator = Indicator(
            code=f"DEMO-{code}", name_es=name_es, name_en=name_en, unit=unit,
            frequency=Frequency.YEAR, source="Datos de demostración", recommendation=rec,
            definition_es=f"{name_es}, por año.", definition_en=f"{name_en}, per year.",
            dimension_links=[IndicatorDimension(dimension=dimensions[d], position=i)
                             for i, d in enumerate(dims)])
        db.session.add(indicator)
        counts["indicators"] += 1
        owners = db.session.scalars(sa.select(Commitment.country_id)
                                    .where(Commitment.recommendation_id == rec.id))
        for country_id in owners:
            for period in years:
                report = IndicatorReport(indicator=indicator, country_id=country_id,
                                         period=period, actor_role="focal_point",
                                         source="Registro administrativo")
                report.values = _cells(rng, unit, [values[d] for d in dims], typical)
                db.session.add(report)
                counts["indicator_reports"] += 1
        db.session.flush()
    return counts


def _cells(rng: random.Random, unit: Unit, dims: list[list[DimensionValue]],
           typical: int) -> list[IndicatorValue]:
    """A total and, for counts, its breakdown (inner cells, then the margins they add up
    to); a rate or a duration is a total only."""
    if unit != Unit.COUNT or not dims:
        value = rng.randint(max(1, typical // 3), typical * 2)
        return [IndicatorValue(value=min(value, 100) if unit == Unit.PERCENT else value)]
    total = rng.randint(0, typical * 2)
    first = dims[0]
    second = dims[1] if len(dims) > 1 else [None]
    inner = {(a, b): 0 for a in first for b in second}
    keys = list(inner)
    # Skewed shares, so some cells come out small: the suppression has work to do.
    weights = [rng.random() ** 3 + 0.01 for _ in keys]
    for key in rng.choices(keys, weights=weights, k=total):
        inner[key] += 1
    cells = [IndicatorValue(value=total)]
    for a in first:
        cells.append(IndicatorValue(first_value=a, value=sum(inner[a, b] for b in second)))
    if second != [None]:
        for b in second:
            cells.append(IndicatorValue(second_value=b, value=sum(inner[a, b] for a in first)))
        cells += [IndicatorValue(first_value=a, second_value=b, value=n)
                  for (a, b), n in inner.items()]
    return cells
