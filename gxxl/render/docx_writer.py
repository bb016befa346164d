"""The report as .docx in the conventions of GB/T 9704-2012 (党政机关公文格式).

Looks live in a Word template (workbook_templates/gxxl-年报正文模板.docx): page
setup, styles, page-number footers. An office may restyle that template in Word;
the renderer keeps the template's section and styles, replaces its body, and copies
each style's fonts onto every run (w:eastAsia included) so Word, WPS and
LibreOffice all show the intended fonts. Tables are written as WordprocessingML
straight from the one table model (render/tables.py).
"""
from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

from .. import schema
from ..errors import GxxlError
from .tables import ReportTable

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"

# -- GB/T 9704-2012 page: A4, 版心 156 mm × 225 mm, 22 lines × 28 characters of 3号 (16 pt)
MM = 1440 / 25.4  # twips per mm
PAGE_W_MM, PAGE_H_MM = 210, 297
MARGIN_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
LINES, CHARS = 22, 28
BODY_PT = 16  # 3号
TITLE_PT = 22  # 2号
PAGE_NO_PT = 14  # 4号
TABLE_PT = 9  # 小五: table 3 (28 rows, 10 columns) fits one page
TABLE_CELL_LINE = 270  # exact 13.5 pt per line in table cells
TEXT_W_TW = round((PAGE_W_MM - MARGIN_MM["left"] - MARGIN_MM["right"]) * MM)  # 8844
TEXT_H_TW = (PAGE_H_MM - MARGIN_MM["top"] - MARGIN_MM["bottom"]) * MM
LINE_PITCH = int(TEXT_H_TW / LINES)  # 579 twips = 28.95 pt
TEXT_W_PT = (PAGE_W_MM - MARGIN_MM["left"] - MARGIN_MM["right"]) / 25.4 * 72  # 442.2 pt
# 28 characters of 16 pt need 448 pt: condense each by 0.25 pt (w:spacing in twentieths of a point).
# Word's character grid (docGrid linesAndChars) would do the same in Word, but LibreOffice and so the
# PDF misread it (characters spread over two cells); exact line spacing + condensed characters give
# the same 22 × 28 page in Word, WPS and LibreOffice.
CHAR_SPACING = math.floor((TEXT_W_PT / CHARS - BODY_PT) * 20)  # -5 = -0.25 pt

FONT_BODY = "仿宋_GB2312"
FONT_TITLE = "方正小标宋简体"
FONT_H1 = "黑体"
FONT_H2 = "楷体_GB2312"
FONT_SONG = "宋体"

# Style names the renderer needs (Chinese names show in Word's style gallery; ids stay ASCII).
STYLE_TITLE = "Title"
STYLE_H1 = "Heading 1"
STYLE_H2 = "Heading 2"
STYLE_BODY = "Normal"
STYLE_LEAD = "二级标题字符"
STYLE_CELL = "表格文字"
STYLE_CELL_LABEL = "表格项目"
STYLE_CELL_HEAD = "表格表头"
STYLE_PAGE_NO = "页码"
STYLE_DRAFT = "草稿标记"
STYLE_TABLE = "报告表格"
REQUIRED_STYLES = (STYLE_TITLE, STYLE_H1, STYLE_H2, STYLE_BODY, STYLE_LEAD, STYLE_CELL, STYLE_CELL_LABEL,
                   STYLE_CELL_HEAD, STYLE_PAGE_NO, STYLE_DRAFT, STYLE_TABLE)

DRAFT_HEADER = "草稿　校验未通过，不得公开"
TEMPLATE_NOTE = (
    "本文件是gxxl生成年度报告所用的Word模板。可在Word中修改样式（开始→样式：标题、标题 1、标题 2、正文、二级标题字符、"
    "表格文字、表格项目、表格表头、页码、草稿标记、报告表格）和页面设置（页边距、页码），保存后用 gxxl report --template 本文件 生成报告。"
    "报告正文由gxxl按工作簿自动生成，本页的示例文字不会出现在报告中。请勿删除或改名上述样式。"
)

_BAD_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(s: str) -> str:
    """Text safe for WordprocessingML (control characters from Excel cells dropped)."""
    return escape(_BAD_XML.sub("", s or ""))


def default_template() -> Path:
    return Path(__file__).resolve().parents[2] / "workbook_templates" / "gxxl-年报正文模板.docx"


# =========================================================================== template


def _fonts_xml(font: str) -> str:
    return f'<w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:eastAsia="{font}" w:cs="{font}"/>'


def _rpr(font: str | None, pt: float | None, bold: bool = False, color: str | None = None,
         spacing: int | None = None) -> str:
    x = "<w:rPr>"
    if font:
        x += _fonts_xml(font)
    if bold:
        x += "<w:b/><w:bCs/>"
    if color:
        x += f'<w:color w:val="{color}"/>'
    if spacing:
        x += f'<w:spacing w:val="{spacing}"/>'
    if pt:
        x += f'<w:sz w:val="{int(pt * 2)}"/><w:szCs w:val="{int(pt * 2)}"/>'
    return x + "</w:rPr>"


def _ppr(*, keep_next=False, snap=True, line=None, before=0, after=0, first_chars=None, first=None, left=None,
         right=None, jc=None, outline=None) -> str:
    x = "<w:pPr>"
    if keep_next:
        x += "<w:keepNext/>"
    if not snap:
        x += '<w:snapToGrid w:val="0"/>'
    sp = f'<w:spacing w:before="{before}" w:after="{after}"'
    if line:
        sp += f' w:line="{line}" w:lineRule="exact"'
    else:
        sp += ' w:line="240" w:lineRule="auto"'
    x += sp + "/>"
    ind = ""
    if first_chars is not None:
        ind += f' w:firstLineChars="{first_chars}" w:firstLine="{first or 0}"'
    if left is not None:
        ind += f' w:left="{left}"'
    if right is not None:
        ind += f' w:right="{right}"'
    if ind:
        x += f"<w:ind{ind}/>"
    if jc:
        x += f'<w:jc w:val="{jc}"/>'
    if outline is not None:
        x += f'<w:outlineLvl w:val="{outline}"/>'
    return x + "</w:pPr>"


def _el(xml: str):
    """Parse a fragment written with the w: prefix (python-docx's parser, so its element classes apply)."""
    from docx.oxml import parse_xml

    root = parse_xml(f'<root xmlns:w="{W_NS}">{xml}</root>')
    return list(root)


def _set_style(doc, name: str, style_id: str, kind: str, ppr: str = "", rpr: str = "", based_on: str | None = None,
               next_id: str | None = None, ui: int = 1):
    """Create or reset a style: name, basedOn, pPr, rPr exactly as given (theme fonts and colours dropped)."""
    from docx.enum.style import WD_STYLE_TYPE

    types = {"paragraph": WD_STYLE_TYPE.PARAGRAPH, "character": WD_STYLE_TYPE.CHARACTER, "table": WD_STYLE_TYPE.TABLE}
    try:
        st = doc.styles[name]
    except KeyError:
        st = doc.styles.add_style(name, types[kind])
    el = st.element
    el.set(f"{W}styleId", style_id)
    el.set(f"{W}customStyle", "0" if name in ("Normal", "Title", "Heading 1", "Heading 2") else "1")
    for child in list(el):
        if child.tag not in (f"{W}name",):
            el.remove(child)
    extra = ""
    if based_on:
        extra += f'<w:basedOn w:val="{based_on}"/>'
    if next_id:
        extra += f'<w:next w:val="{next_id}"/>'
    extra += f'<w:uiPriority w:val="{ui}"/><w:qFormat/>'
    for e in _el(extra + ppr + rpr):
        el.append(e)
    return st


def _table_style_xml() -> str:
    b = "".join(f'<w:{s} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    return (f'<w:tblPr><w:jc w:val="center"/><w:tblBorders>{b}</w:tblBorders>'
            '<w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="57" w:type="dxa"/>'
            '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="57" w:type="dxa"/></w:tblCellMar></w:tblPr>')


def _page_number_footer(footer, odd: bool, style_id: str) -> None:
    """ "— N —" in 4号宋体: odd pages right, even pages left, one character in from the edge."""
    ftr = footer._element
    for child in list(ftr):
        ftr.remove(child)
    footer.is_linked_to_previous = False
    jc = "right" if odd else "left"
    ind = f'w:right="{PAGE_NO_PT * 20}"' if odd else f'w:left="{PAGE_NO_PT * 20}"'
    rpr = _rpr(FONT_SONG, PAGE_NO_PT)
    xml = (f'<w:p><w:pPr><w:pStyle w:val="{style_id}"/><w:ind {ind}/><w:jc w:val="{jc}"/></w:pPr>'
           f'<w:r>{rpr}<w:t xml:space="preserve">— </w:t></w:r>'
           f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
           f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
           f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
           f'<w:r>{rpr}<w:t>1</w:t></w:r>'
           f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
           f'<w:r>{rpr}<w:t xml:space="preserve"> —</w:t></w:r></w:p>')
    for e in _el(xml):
        ftr.append(e)


FIXED_TIME = datetime(2021, 9, 26)  # date of 国办公开办函〔2021〕30号; keeps the template build reproducible


def build_template():
    """A python-docx Document holding the page setup, styles and footers of the report."""
    import docx
    from docx.shared import Mm

    doc = docx.Document()
    # -- document defaults: explicit fonts (no theme fonts), Chinese language
    styles_el = doc.styles.element
    rpr_default = styles_el.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    for child in list(rpr_default):
        rpr_default.remove(child)
    for e in _el(_fonts_xml(FONT_BODY) + f'<w:sz w:val="{BODY_PT * 2}"/><w:szCs w:val="{BODY_PT * 2}"/>'
                 '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/>'):
        rpr_default.append(e)
    ppr_default = styles_el.find(f"{W}docDefaults/{W}pPrDefault/{W}pPr")
    for child in list(ppr_default):
        ppr_default.remove(child)
    for e in _el('<w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'):
        ppr_default.append(e)

    first_tw = BODY_PT * 20 * 2  # two characters
    _set_style(doc, STYLE_BODY, "Normal", "paragraph",
               _ppr(line=LINE_PITCH, first_chars=200, first=first_tw, jc="both"),
               _rpr(FONT_BODY, BODY_PT, spacing=CHAR_SPACING), ui=0)
    _set_style(doc, STYLE_TITLE, "Title", "paragraph",
               _ppr(line=LINE_PITCH, after=LINE_PITCH, first_chars=0, first=0, jc="center"),
               _rpr(FONT_TITLE, TITLE_PT), based_on="Normal", next_id="Normal", ui=10)
    _set_style(doc, STYLE_H1, "Heading1", "paragraph",
               _ppr(keep_next=True, line=LINE_PITCH, first_chars=200, first=first_tw, jc="both", outline=0),
               _rpr(FONT_H1, BODY_PT), based_on="Normal", next_id="Normal", ui=9)
    _set_style(doc, STYLE_H2, "Heading2", "paragraph",
               _ppr(keep_next=True, line=LINE_PITCH, first_chars=200, first=first_tw, jc="both", outline=1),
               _rpr(FONT_H2, BODY_PT), based_on="Normal", next_id="Normal", ui=9)
    _set_style(doc, STYLE_LEAD, "gxxlLead", "character", "", _rpr(FONT_H2, None), ui=10)
    cell = _ppr(snap=False, line=TABLE_CELL_LINE, first_chars=0, first=0, jc="center")
    _set_style(doc, STYLE_CELL, "gxxlCell", "paragraph", cell, _rpr(FONT_SONG, TABLE_PT), ui=20)
    _set_style(doc, STYLE_CELL_LABEL, "gxxlCellLabel", "paragraph",
               _ppr(snap=False, line=TABLE_CELL_LINE, first_chars=0, first=0, jc="left"),
               _rpr(FONT_SONG, TABLE_PT), based_on="gxxlCell", ui=20)
    _set_style(doc, STYLE_CELL_HEAD, "gxxlCellHead", "paragraph", cell, _rpr(FONT_SONG, TABLE_PT, bold=True),
               based_on="gxxlCell", ui=20)
    _set_style(doc, STYLE_PAGE_NO, "gxxlPageNumber", "paragraph",
               _ppr(snap=False, first_chars=0, first=0), _rpr(FONT_SONG, PAGE_NO_PT), ui=30)
    _set_style(doc, STYLE_DRAFT, "gxxlDraft", "paragraph",
               _ppr(snap=False, first_chars=0, first=0, jc="center"), _rpr(FONT_H1, BODY_PT, bold=True, color="C00000"),
               ui=30)
    _set_style(doc, STYLE_TABLE, "gxxlTable", "table", "", "", ui=20)
    doc.styles[STYLE_TABLE].element.append(_el(_table_style_xml())[0])

    # -- trim python-docx's stock template: ~200 unused styles (800 KB), a thumbnail, Word 2010 leftovers
    keep = set(REQUIRED_STYLES) | {"Default Paragraph Font", "Normal Table", "No List", "Header", "Footer",
                                   "Table Grid"}
    for st in list(styles_el.findall(f"{W}style")):
        n = st.find(f"{W}name")
        name = n.get(f"{W}val") if n is not None else ""
        if name not in keep and name.title() not in keep:
            styles_el.remove(st)
        else:
            for link in st.findall(f"{W}link"):
                st.remove(link)  # the linked "… Char" styles are gone
    for rels in (doc.part.rels, doc.part.package.rels):
        for rid, rel in list(rels.items()):
            if rel.reltype.rsplit("/", 1)[-1] in ("stylesWithEffects", "thumbnail", "customXml"):
                rels.pop(rid)

    # -- page setup
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(PAGE_W_MM), Mm(PAGE_H_MM)
    sec.top_margin, sec.bottom_margin = Mm(MARGIN_MM["top"]), Mm(MARGIN_MM["bottom"])
    sec.left_margin, sec.right_margin = Mm(MARGIN_MM["left"]), Mm(MARGIN_MM["right"])
    sec.header_distance = Mm(15)
    sec.footer_distance = Mm(22)  # the page number's dash sits about 7 mm below the text block
    grid = sec._sectPr.find(f"{W}docGrid")
    grid.set(f"{W}linePitch", str(LINE_PITCH))  # no grid type: the pitch comes from the styles (see CHAR_SPACING)
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number_footer(sec.footer, True, "gxxlPageNumber")
    _page_number_footer(sec.even_page_footer, False, "gxxlPageNumber")
    sec.header.is_linked_to_previous = False
    sec.even_page_header.is_linked_to_previous = False

    # -- sample content so that restyling in Word shows its effect (replaced when rendering)
    body = doc.element.body
    for child in list(body):
        if child.tag != f"{W}sectPr":
            body.remove(child)
    doc.add_paragraph(TEMPLATE_NOTE, style=STYLE_DRAFT)
    doc.add_paragraph("（机关名称）（年度）年政府信息公开工作年度报告", style=STYLE_TITLE)
    doc.add_paragraph("正文示例：本报告由（机关名称）按照《中华人民共和国政府信息公开条例》编制。", style=STYLE_BODY)
    doc.add_paragraph(schema.PARTS[0][1], style=STYLE_H1)
    doc.add_paragraph("（一）主动公开情况", style=STYLE_H2)
    p = doc.add_paragraph(style=STYLE_BODY)
    p.add_run("（二）依申请公开情况。", style=STYLE_LEAD)
    p.add_run("段首二级标题用“二级标题字符”样式，其余为正文。")
    doc.add_paragraph(schema.PARTS[1][1], style=STYLE_H1)
    t = schema.TABLES[0]
    cells = [(c.text if c.role != "data" else "0") for c in t.cells[:6]]
    tbl = doc.add_table(rows=2, cols=3)
    tbl.style = doc.styles[STYLE_TABLE]
    for i, text in enumerate(cells[:6]):
        c = tbl.cell(i // 3, i % 3)
        c.paragraphs[0].text = text
        c.paragraphs[0].style = doc.styles[STYLE_CELL_HEAD if i < 3 else (STYLE_CELL_LABEL if i == 3 else STYLE_CELL)]
    cp = doc.core_properties
    cp.title = "gxxl 年度报告Word模板"
    cp.author = cp.last_modified_by = "gxxl"
    cp.created = cp.modified = FIXED_TIME
    cp.revision = 1
    cp.comments = ""
    return doc


def save_template(path) -> Path:
    """Write the template byte for byte reproducibly (fixed zip entry times), so git sees no change."""
    import io
    import zipfile

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    build_template().save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, src.read(info.filename))
    tmp = path.with_suffix(".tmp.docx")
    tmp.write_bytes(out.getvalue())
    tmp.replace(path)
    return path


# =========================================================================== rendering


def style_fonts(doc, name: str, by_name: dict | None = None) -> dict[str, str]:
    """The fonts a style resolves to (basedOn chain, then document defaults)."""
    styles_el = doc.styles.element
    by_id = {s.get(f"{W}styleId"): s for s in styles_el.findall(f"{W}style")}
    st = by_name[name] if by_name else doc.styles[name].element
    out: dict[str, str] = {}
    seen = set()
    while st is not None and id(st) not in seen:
        seen.add(id(st))
        rf = st.find(f"{W}rPr/{W}rFonts")
        if rf is not None:
            for k in ("ascii", "hAnsi", "eastAsia", "cs"):
                v = rf.get(f"{W}{k}")
                if v and k not in out:
                    out[k] = v
        b = st.find(f"{W}basedOn")
        st = by_id.get(b.get(f"{W}val")) if b is not None else None
    rf = styles_el.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    if rf is not None:
        for k in ("ascii", "hAnsi", "eastAsia", "cs"):
            v = rf.get(f"{W}{k}")
            if v and k not in out:
                out[k] = v
    ea = out.get("eastAsia") or out.get("ascii") or FONT_BODY
    for k in ("ascii", "hAnsi", "eastAsia", "cs"):
        out.setdefault(k, ea)
    return out


class _Writer:
    def __init__(self, doc):
        self.doc = doc
        styles_el = doc.styles.element
        by_name = {}
        for st in styles_el.findall(f"{W}style"):
            n = st.find(f"{W}name")
            if n is not None:
                by_name[n.get(f"{W}val")] = st
        # python-docx maps UI names (Heading 1) to the lower-case XML names Word writes (heading 1)
        for ui, xml in (("Heading 1", "heading 1"), ("Heading 2", "heading 2")):
            if ui not in by_name and xml in by_name:
                by_name[ui] = by_name[xml]
        missing = [n for n in REQUIRED_STYLES if n not in by_name]
        if missing:
            raise GxxlError(f"Word模板缺少样式：{'、'.join(missing)}。请用 gxxl 自带的模板（workbook_templates/gxxl-年报正文模板.docx）"
                            "修改样式，不要删除或改名样式。")
        self.ids = {n: by_name[n].get(f"{W}styleId") for n in REQUIRED_STYLES}
        self.fonts = {n: style_fonts(doc, n, by_name) for n in REQUIRED_STYLES if n != STYLE_TABLE}
        self.body = doc.element.body
        self.sectPr = self.body.find(f"{W}sectPr")
        self.parts: list[str] = []
        for child in list(self.body):
            if child.tag != f"{W}sectPr":
                self.body.remove(child)

    def rfonts(self, style: str) -> str:
        f = self.fonts[style]
        return (f'<w:rFonts w:ascii="{f["ascii"]}" w:hAnsi="{f["hAnsi"]}" w:eastAsia="{f["eastAsia"]}" '
                f'w:cs="{f["cs"]}"/>')

    def run(self, text: str, pstyle: str, rstyle: str | None = None) -> str:
        rs = f'<w:rStyle w:val="{self.ids[rstyle]}"/>' if rstyle else ""
        return (f'<w:r><w:rPr>{rs}{self.rfonts(rstyle or pstyle)}</w:rPr>'
                f'<w:t xml:space="preserve">{xml_text(text)}</w:t></w:r>')

    def para_xml(self, style: str, runs: str, keep_next: bool = False) -> str:
        kn = "<w:keepNext/>" if keep_next else ""
        return f'<w:p><w:pPr><w:pStyle w:val="{self.ids[style]}"/>{kn}</w:pPr>{runs}</w:p>'

    def add(self, xml: str) -> None:
        self.parts.append(xml)

    def flush(self) -> None:
        """Parse the collected body once (much faster than element by element)."""
        for e in _el("".join(self.parts)):
            self.sectPr.addprevious(e)
        self.parts = []

    def paragraph(self, style: str, text: str) -> None:
        self.add(self.para_xml(style, self.run(text, style)))

    def narrative(self, paragraphs: list[str]) -> None:
        from ..narrative.text import lead_in

        for p in paragraphs:
            lead, rest = lead_in(p)
            if lead and not rest:
                self.paragraph(STYLE_H2, lead)
            elif lead:
                self.add(self.para_xml(STYLE_BODY, self.run(lead, STYLE_BODY, STYLE_LEAD) + self.run(rest, STYLE_BODY)))
            else:
                self.paragraph(STYLE_BODY, p)

    def table(self, t: ReportTable) -> None:
        self.add(table_xml(t, self))
        self.add(self.para_xml(STYLE_CELL, ""))  # a half line between a table and the next heading


def _widths(t: ReportTable) -> list[int]:
    total = sum(t.col_widths)
    ws = [int(TEXT_W_TW * w / total) for w in t.col_widths]
    ws[-1] += TEXT_W_TW - sum(ws)
    return ws


def table_xml(t: ReportTable, w: _Writer) -> str:
    widths = _widths(t)
    parts = [f'<w:tbl><w:tblPr><w:tblStyle w:val="{w.ids[STYLE_TABLE]}"/><w:tblW w:w="{sum(widths)}" w:type="dxa"/>'
             '<w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
             '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
             "</w:tblPr><w:tblGrid>"]
    parts += [f'<w:gridCol w:w="{x}"/>' for x in widths]
    parts.append("</w:tblGrid>")
    owner = t.owner
    for r in range(t.nrows):
        last = r == t.nrows - 1
        trpr = "<w:cantSplit/>" + ("<w:tblHeader/>" if r < t.header_rows else "")
        parts.append(f"<w:tr><w:trPr>{trpr}</w:trPr>")
        c = 0
        while c < t.ncols:
            cell = owner[(r, c)]
            span = cell.colspan
            width = sum(widths[cell.col:cell.col + span])
            tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
            if span > 1:
                tcpr += f'<w:gridSpan w:val="{span}"/>'
            if cell.rowspan > 1:
                tcpr += '<w:vMerge w:val="restart"/>' if cell.row == r else "<w:vMerge/>"
            tcpr += '<w:vAlign w:val="center"/>'
            if cell.row == r:
                style = {"head": STYLE_CELL_HEAD, "note": STYLE_CELL_HEAD, "label": STYLE_CELL_LABEL}.get(cell.role, STYLE_CELL)
                content = w.run(cell.text, style) if cell.text else ""
            else:
                style, content = STYLE_CELL, ""  # continuation of a vertical merge
            # keep every row with the next: the whole table moves to a new page rather than split
            parts.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr>{w.para_xml(style, content, keep_next=not last)}</w:tc>")
            c += span
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def write_docx(path, *, title: str, tables, narrative, draft: bool = False, template=None, organ: str | None = None,
               now: datetime | None = None) -> Path:
    """Write the report to ``path`` (a plain path; callers handle atomic replace)."""
    import docx

    tpl = Path(template) if template else default_template()
    if template is None and not tpl.exists():
        doc = build_template()  # installed without the repository's workbook_templates/: same template, built
    elif not tpl.exists():
        raise GxxlError(f"Word模板“{tpl}”不存在")
    else:
        try:
            doc = docx.Document(str(tpl))
        except Exception as exc:  # python-docx raises several types for broken files
            raise GxxlError(f"Word模板“{tpl}”无法打开（{type(exc).__name__}），请确认是.docx文件") from None
    w = _Writer(doc)
    if draft:
        w.paragraph(STYLE_DRAFT, DRAFT_HEADER)
        for hdr in (doc.sections[0].header, doc.sections[0].even_page_header, doc.sections[0].first_page_header):
            hdr.is_linked_to_previous = False
            el = hdr._element
            for child in list(el):
                el.remove(child)
            for e in _el(w.para_xml(STYLE_DRAFT, w.run(DRAFT_HEADER, STYLE_DRAFT))):
                el.append(e)
    w.paragraph(STYLE_TITLE, title)
    w.narrative(narrative.paragraphs("preface"))
    from ..narrative.text import PART_KEY
    from .tables import table_for_part

    for part, heading in schema.PARTS:
        w.paragraph(STYLE_H1, heading)
        t = table_for_part(tables, part)
        if t is not None:
            w.table(t)
        else:
            paras = narrative.paragraphs(PART_KEY[part])
            w.narrative(paras if paras else (["【未填写】"] if draft else []))
    w.flush()
    cp = doc.core_properties
    cp.title = ("（草稿）" if draft else "") + title
    cp.author = cp.last_modified_by = organ or "gxxl"
    cp.subject = "政府信息公开工作年度报告"
    cp.keywords = "草稿" if draft else ""
    cp.comments = "由gxxl按工作簿生成" + ("；草稿，校验未通过，不得公开" if draft else "")
    stamp = (now or datetime.now()).replace(microsecond=0)
    cp.created = cp.modified = stamp
    doc.save(str(path))
    return Path(path)
