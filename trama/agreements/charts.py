"""The agreement's figures as bars: widths for the CSS charts, each beside its data table."""

from decimal import Decimal

from trama.ledger.charts import bar_width


def pairs(lines) -> list[dict]:
    """Pledged and accepted bars of lines (partners, sources, categories) on one scale."""
    largest = max((max(line.pledged, line.accepted) for line in lines), default=Decimal(0))
    return [
        {
            "line": line,
            "w_pledged": bar_width(line.pledged, largest),
            "w_accepted": bar_width(line.accepted, largest),
        }
        for line in lines
    ]


def indicator_rows(series) -> list[dict]:
    """Each indicator's target and value bars per period, on the indicator's own scale."""
    charts = []
    for one in series:
        largest = max((max(p.target or 0, p.value or 0) for p in one.points), default=Decimal(0))
        charts.append(
            {
                "series": one,
                "rows": [
                    {
                        "point": point,
                        "w_target": bar_width(point.target or 0, largest),
                        "w_value": bar_width(point.value or 0, largest),
                    }
                    for point in one.points
                ],
            }
        )
    return charts


def dashboard_charts(data) -> dict:
    return {
        "partners": pairs(data.resources.partners),
        "sources": pairs(data.resources.sources),
        "categories": pairs(data.resources.categories),
        "indicators": indicator_rows(data.indicators),
    }


def public_charts(data) -> dict:
    return {
        "sources": pairs(data.resources.sources),
        "indicators": indicator_rows(data.indicators),
    }
