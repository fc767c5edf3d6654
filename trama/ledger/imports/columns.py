"""The columns of an import file, as documented on the upload page and in the templates."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from trama.programs.models import Program

from ..models import Category, Kind, Source, Unit


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    help: str
    allowed: str = ""


def _codes(choices) -> str:
    return ", ".join(f"{value} ({label})" for value, label in choices.choices)


def columns(program: Program | None = None) -> list[Column]:
    """The file's columns, as documented on the upload page and in the template."""
    years = f"{program.start_year}–{program.end_year}" if program else _("the program's years")
    procedures = ""
    if program is not None:
        procedures = "; ".join(
            p.reference or p.title for p in program.procedures.order_by("opened_on", "pk")
        )
    number = _(
        "A number in Italian notation: 1234,56 or 1.234,56 (the dot groups thousands, the "
        "comma starts the decimals); at most two decimals."
    )
    return [
        Column(
            "external_id",
            True,
            _(
                "A stable identifier of the row in your own records. A row whose identifier "
                "is already in the program is skipped, so the same file can be imported again."
            ),
            _("Text, up to 80 characters, unique in the file."),
        ),
        Column("kind", True, _("A pledge (promised) or an actual (brought)."), _codes(Kind)),
        Column("category", True, _("What kind of resource it is."), _codes(Category)),
        Column(
            "source",
            True,
            _(
                "Where it comes from. Only the program's public body records PUBLIC_OWNER; "
                "a foundation grant names its funder."
            ),
            _codes(Source),
        ),
        Column(
            "contributor_tax_code",
            True,
            _(
                "Tax code (codice fiscale) of the organisation that brings the resource; it "
                "must already be on Trama. For PUBLIC_OWNER, the public body's own tax code."
            ),
            _("11 digits or 16 characters."),
        ),
        Column("year", True, _("The year the resource belongs to."), years),
        Column(
            "amount",
            False,
            _(
                "Amount in euro. Leave it empty for in-kind resources valued as quantity × "
                "unit value; if you give both, they must match."
            ),
            number,
        ),
        Column("quantity", False, _("In-kind resources: how many units."), number),
        Column("unit", False, _("In-kind resources: the unit of the quantity."), _codes(Unit)),
        Column("unit_value", False, _("In-kind resources: euro per unit."), number),
        Column(
            "funder_tax_code",
            False,
            _("Foundation grants only: tax code of the funder, which must be on Trama."),
            _("11 digits or 16 characters."),
        ),
        Column(
            "grant_reference",
            False,
            _("Foundation grants: the call or grant reference."),
            _("Text, up to 150 characters."),
        ),
        Column(
            "procedure",
            False,
            _("Optional: title or reference number of one of the program's procedures."),
            procedures,
        ),
        Column("description", False, _("What the resource is."), _("Text, up to 300 characters.")),
    ]


COLUMN_NAMES = [
    "external_id",
    "kind",
    "category",
    "source",
    "contributor_tax_code",
    "year",
    "amount",
    "quantity",
    "unit",
    "unit_value",
    "funder_tax_code",
    "grant_reference",
    "procedure",
    "description",
]

REQUIRED = ["external_id", "kind", "category", "source", "contributor_tax_code", "year"]
IN_KIND = ["quantity", "unit", "unit_value"]
