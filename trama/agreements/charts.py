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


# The indicators' line chart, in SVG user units (it scales to the page's width).
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 220, 56, 16, 16, 32


def _coordinate(value: float) -> str:
    """A coordinate for SVG: a dot for decimals, never localised."""
    return f"{value:.1f}"


def indicator_rows(series) -> list[dict]:
    """Each indicator's targets and values per period as an SVG line chart's geometry."""
    return [_line_chart(one) for one in series]


def _line_chart(one) -> dict:
    points = one.points
    largest = max(
        (float(v) for p in points for v in (p.target, p.value) if v is not None), default=0.0
    )
    largest = max(largest, float(one.indicator.baseline), 1.0)
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_width / max(len(points) - 1, 1)
    rows = []
    for index, point in enumerate(points):
        x = LEFT + (index * step if len(points) > 1 else plot_width / 2)
        y = {
            name: None
            if value is None
            else _coordinate(TOP + plot_height * (1 - float(value) / largest))
            for name, value in (("target", point.target), ("value", point.value))
        }
        rows.append(
            {"point": point, "x": _coordinate(x), "y_target": y["target"], "y_value": y["value"]}
        )
    return {
        "series": one,
        "rows": rows,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": _coordinate(TOP + plot_height),
        "label_y": _coordinate(HEIGHT - 10),
        "largest": Decimal(str(largest)),
        "target_points": " ".join(
            f"{r['x']},{r['y_target']}" for r in rows if r["y_target"] is not None
        ),
        "value_points": " ".join(
            f"{r['x']},{r['y_value']}" for r in rows if r["y_value"] is not None
        ),
    }


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
