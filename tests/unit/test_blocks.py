"""HTML pieces (``pipeline.report.blocks``): what a table, a heading and a block promise.

A table has a caption (with its key after it), column headers with ``scope="col"``, row
headers in its first column with ``scope="row"``, numeric columns marked to align right, and
every cell escaped unless it is a ``Block`` already. A heading is an h2 with a stable id.
"""

from __future__ import annotations

import lxml.html

from pipeline.report.blocks import Block, esc, heading, html_table


def _table(text: str):
    return lxml.html.fragment_fromstring(text)


def _cells(row):
    return [(c.tag, c.get("scope"), c.get("class"), c.text_content()) for c in row]


def test_a_table_has_its_caption_and_key_then_column_and_row_headers():
    t = _table(
        html_table(
            "Children by age & sex",
            ["Age", "Children", "Share"],
            [["Under 1", "12", "5%"], ["1 to 4", "c", "x"]],
            key="c: suppressed",
        )
    )
    caption = t.find("caption")
    assert caption is t[0]  # the caption comes first, as a screen reader expects
    assert caption.text_content() == "Children by age & sex c: suppressed"
    assert caption.xpath("span[@class='key']")[0].text == "c: suppressed"
    assert _cells(t.find("thead/tr")) == [
        ("th", "col", None, "Age"),
        ("th", "col", "num", "Children"),
        ("th", "col", "num", "Share"),
    ]
    rows = t.findall("tbody/tr")
    assert _cells(rows[0]) == [
        ("th", "row", None, "Under 1"),
        ("td", None, "num", "12"),
        ("td", None, "num", "5%"),
    ]
    assert [c.text_content() for c in rows[1]] == ["1 to 4", "c", "x"]


def test_a_table_without_a_key_has_none():
    t = _table(html_table("Files read", ["File"], [["a.csv"]]))
    assert t.find("caption").text == "Files read" and t.xpath("caption/span") == []


def test_numeric_columns_are_exactly_those_asked_for():
    headers = ["Severity", "File", "Column", "Rows", "What to do"]
    row = ["Error", "e.csv", "DECOM", "3", "Fix the dates"]
    only_rows = _table(html_table("P", headers, [row], numeric={3}))
    assert [c.get("class") for c in only_rows.find("thead/tr")] == [None, None, None, "num", None]
    assert [c.get("class") for c in only_rows.find("tbody/tr")] == [None, None, None, "num", None]
    from_two = _table(
        html_table("P", ["Table", "Reason", "Rows"], [["E", "r", "1"]], numeric_from=2)
    )
    assert [c.get("class") for c in from_two.find("tbody/tr")] == [None, None, "num"]


def test_without_row_headers_the_first_column_is_data():
    t = _table(html_table("T", ["A", "B"], [["x", "1"]], first_col_header=False))
    assert _cells(t.find("tbody/tr")) == [("td", None, None, "x"), ("td", None, "num", "1")]


def test_text_is_escaped_everywhere_but_a_block_is_kept_as_html():
    t = _table(
        html_table(
            "<b>caption</b>",
            ["<i>Name</i>", "Rating"],
            [["<script>alert(1)</script>", Block("<strong>On target</strong>")],
             ["Tom & Jerry", "<em>not html</em>"]],
            key="<u>key</u>",
        )
    )  # fmt: skip
    assert t.xpath("//script | //b | //i | //u | //em") == []
    assert t.find("caption").text_content() == "<b>caption</b> <u>key</u>"
    assert t.find("thead/tr/th").text == "<i>Name</i>"
    first, second = t.findall("tbody/tr")
    assert first[0].text == "<script>alert(1)</script>"
    assert first[1].find("strong").text == "On target"  # a Block's HTML is not escaped
    assert [c.text for c in second] == ["Tom & Jerry", "<em>not html</em>"]


def test_a_heading_is_an_h2_with_a_stable_id():
    assert (
        heading("Who our children are") == '<h2 id="who-our-children-are">Who our children are</h2>'
    )
    assert heading("Health & wellbeing: 2025-26") == (
        '<h2 id="health-wellbeing-2025-26">Health &amp; wellbeing: 2025-26</h2>'
    )


def test_esc_escapes_quotes_for_attributes_and_a_block_displays_as_itself():
    assert esc("\"a\" & 'b' <c>") == "&quot;a&quot; &amp; &#x27;b&#x27; &lt;c&gt;"
    b = Block("<p>x</p>")
    assert isinstance(b, str) and b == "<p>x</p>" and b._repr_html_() == "<p>x</p>"


def test_a_table_has_the_class_it_is_given_and_no_other_and_a_row_header_may_be_html():
    rows = [[Block("Task<span>Impact</span>"), "12"], ["<b>as text</b>", "c"]]
    plain = _table(html_table("Plain", ["Action", "Children"], rows))
    assert plain.get("class") is None  # the numeric column's class stays on its cells
    styled = _table(html_table("Styled", ["Action", "Children"], rows, cls="actions"))
    assert styled.get("class") == "actions"
    first, second = styled.findall("tbody/tr")
    assert first[0].tag == "th" and first[0].find("span").text == "Impact"
    assert second[0].text_content() == "<b>as text</b>"  # a plain string is escaped
    assert [c.get("class") for c in first[1:]] == ["num"]


def test_partials_escape_what_they_are_given_and_refuse_a_misspelt_name(tmp_path, monkeypatch):
    import jinja2
    import pytest

    from pipeline.report import blocks

    (tmp_path / "blocks").mkdir()
    (tmp_path / "blocks" / "one.html.j2").write_text("<p>{{ words }}</p>")
    (tmp_path / "blocks" / "typo.html.j2").write_text("<p>{{ wrods }}</p>")
    monkeypatch.setattr(blocks, "TEMPLATES", tmp_path)
    blocks._environment.cache_clear()
    try:
        out = blocks.render("one.html.j2", words="Tom & <Jerry>")
        assert isinstance(out, blocks.Block)
        assert str(out) == "<p>Tom &amp; &lt;Jerry&gt;</p>"
        with pytest.raises(jinja2.UndefinedError, match="wrods"):
            blocks.render("typo.html.j2", words="x")
    finally:
        blocks._environment.cache_clear()
