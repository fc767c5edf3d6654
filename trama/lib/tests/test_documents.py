"""Markdown shown safely in pages, and the Word reading copy of a document."""

import io

import docx
from django.template import Context, Template
from django.utils.safestring import SafeString

from trama.lib.documents import docx_from_html_parts, render_markdown


def test_it_renders_commonmark_with_headings_emphasis_and_lists():
    html = render_markdown("## Art. 1 - Oggetto\n\nIl **Comune** e l'*ente*:\n\n1. uno\n2. due\n")
    assert isinstance(html, SafeString)
    assert "<h2>Art. 1 - Oggetto</h2>" in html
    assert "<strong>Comune</strong>" in html
    assert "<em>ente</em>" in html
    assert "<ol>\n<li>uno</li>" in html


def test_it_renders_tables_keeping_only_the_column_alignment():
    html = render_markdown("| Voce | Importo |\n|:--|--:|\n| Personale | 1.000,00 |\n")
    assert "<table>" in html
    assert '<th style="text-align:left">Voce</th>' in html
    assert '<td style="text-align:right">1.000,00</td>' in html


def test_it_never_lets_a_script_through():
    html = render_markdown(
        "Testo <script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
        '<div onclick="alert(3)">clic</div>'
    )
    assert "<script" not in html
    assert "<img" not in html
    assert "<div" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as typed, not run


def test_it_drops_javascript_links_and_marks_the_others_nofollow():
    html = render_markdown(
        '[sito](https://www.comune.example.it "Il Comune") '
        "[trappola](javascript:alert(1)) <javascript:alert(2)> [dati](data:text/html,x)"
    )
    assert 'href="javascript' not in html
    assert 'href="data' not in html
    assert (
        '<a href="https://www.comune.example.it" title="Il Comune" '
        'rel="noopener noreferrer nofollow">sito</a>'
    ) in html


def test_it_shows_in_a_template_without_being_escaped_again():
    page = Template("{{ body }}").render(Context({"body": render_markdown("**sì** & <no>")}))
    assert page == "<p><strong>sì</strong> &amp; &lt;no&gt;</p>\n"


def test_it_renders_nothing_for_an_empty_text():
    assert render_markdown("") == ""


def read_docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def test_it_writes_a_docx_with_the_title_and_each_section_heading():
    data = docx_from_html_parts(
        "Convenzione tra il Comune di Lecce e l'associazione",
        [
            ("Premesse", "Il Comune promuove la coprogettazione.\n\nL'associazione aderisce."),
            ("Art. 1 - Oggetto", render_markdown("La convenzione disciplina **le attività**.")),
        ],
    )
    document = read_docx(data)
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name != "Normal"]
    assert headings == [
        ("Title", "Convenzione tra il Comune di Lecce e l'associazione"),
        ("Heading 1", "Premesse"),
        ("Heading 1", "Art. 1 - Oggetto"),
    ]
    texts = [p.text for p in document.paragraphs if p.style.name == "Normal"]
    assert texts == [
        "Il Comune promuove la coprogettazione.",
        "L'associazione aderisce.",
        "La convenzione disciplina le attività.",
    ]
    bold = [run.text for p in document.paragraphs for run in p.runs if run.bold]
    assert bold == ["le attività"]
    assert document.core_properties.title.startswith("Convenzione")


def test_it_writes_lists_tables_and_inner_headings_of_html_sections():
    body = render_markdown(
        "### Impegni\n\n1. relazionare\n2. rendicontare\n\n- sede\n\n"
        "| Voce | Importo |\n|---|--:|\n| Personale | 1.000,00 |\n\n"
        "Vedi [il sito](https://www.comune.example.it)."
    )
    document = read_docx(docx_from_html_parts("Convenzione", [("Art. 2", body)]))
    paragraphs = [(p.style.name, p.text.strip()) for p in document.paragraphs]
    assert ("Heading 4", "Impegni") in paragraphs
    assert ("Normal", "1. relazionare") in paragraphs
    assert ("Normal", "2. rendicontare") in paragraphs
    assert ("Normal", "• sede") in paragraphs
    assert ("Normal", "Vedi il sito (https://www.comune.example.it).") in paragraphs
    [table] = document.tables
    assert [[cell.text for cell in row.cells] for row in table.rows] == [
        ["Voce", "Importo"],
        ["Personale", "1.000,00"],
    ]


def test_it_keeps_plain_text_as_typed_including_angle_brackets():
    document = read_docx(docx_from_html_parts("Atto", [("Note", "Importo > 5 e < 10\nfine")]))
    assert document.paragraphs[-1].text == "Importo > 5 e < 10\nfine"
