"""The committee deck's template, built in code with python-pptx (no binary .potx in the
repository): a 16:9 slide master in the State's look (DSFR colours, Arial) and two
layouts, « Titre du dossier » (the « République française » block over a bleu France
band) and « Titre seul » (every other slide).

Font: the DSFR's Marianne is excluded from the DSFR's MIT licence (its terms of use keep
it to the State's own sites), so it cannot be shipped in a file anyone may forward. The
deck names Arial, the DSFR's own fallback (``font-family: Marianne, arial, sans-serif``),
present on every PowerPoint machine; LibreOffice shows it with Liberation Sans (same
metrics), which the server-drawn images use too (Debian package ``fonts-liberation``).
"""
from __future__ import annotations

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import PP_PLACEHOLDER
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.oxml.shapes.autoshape import CT_Shape
from pptx.shapes.autoshape import Shape
from pptx.util import Emu, Inches, Pt

#: DSFR colours: bleu France, rouge Marianne, the text grey, the « mention » grey, the light background.
BLEU_FRANCE = RGBColor(0x00, 0x00, 0x91)
ROUGE_MARIANNE = RGBColor(0xE1, 0x00, 0x0F)
TEXT_GREY = RGBColor(0x16, 0x16, 0x16)
MENTION_GREY = RGBColor(0x66, 0x66, 0x66)
LIGHT_BLUE = RGBColor(0xE3, 0xE3, 0xFD)  # DSFR « blue-france-925 »
WHITE = RGBColor(0xFF, 0xFF, 0xFF)
FONT = "Arial"
LANG = "fr-FR"

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.45)
TITLE_TOP, TITLE_HEIGHT = Inches(0.25), Inches(0.85)
FOOTER_TOP = HEIGHT - Inches(0.45)
BAND_TOP = Inches(2.55)  # title layout: the bleu France band starts here

LAYOUT_TITLE = "Titre du dossier"
LAYOUT_CONTENT = "Titre seul"
#: Name and text of the « République française » block of the title layout.
RF_BLOCK = "bloc-marque"
RF_TEXT = "RÉPUBLIQUE\nFRANÇAISE"
RF_MOTTO = "Liberté\nÉgalité\nFraternité"
PAGE_NUMBER = "numero-page"

_THEME_COLOURS = {  # a:clrScheme of the theme (tables, charts and hyperlinks follow it)
    "dk1": "161616", "lt1": "FFFFFF", "dk2": "000091", "lt2": "F6F6F6",
    "accent1": "000091", "accent2": "E1000F", "accent3": "6A6AF4", "accent4": "009081",
    "accent5": "C3992A", "accent6": "666666", "hlink": "000091", "folHlink": "6A6AF4",
}


# --------------------------------------------------------------------------- theme and master
def _theme(prs) -> None:
    """Colours and fonts of the theme: DSFR colours, Arial for titles and text."""
    part = prs.slide_master.part.part_related_by(RT.THEME)
    root = etree.fromstring(part.blob)
    scheme = root.find(f".//{qn('a:clrScheme')}")
    scheme.set("name", "DSFR")
    for name, value in _THEME_COLOURS.items():
        slot = scheme.find(qn(f"a:{name}"))
        for child in list(slot):
            slot.remove(child)
        etree.SubElement(slot, qn("a:srgbClr")).set("val", value)
    fonts = root.find(f".//{qn('a:fontScheme')}")
    fonts.set("name", "DSFR")
    for kind in ("a:majorFont", "a:minorFont"):
        fonts.find(f"{qn(kind)}/{qn('a:latin')}").set("typeface", FONT)
    root.set("name", "Territoires d'industrie (DSFR)")
    part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _set_xfrm(shape, left, top, width, height) -> None:
    shape.left, shape.top, shape.width, shape.height = int(left), int(top), int(width), int(height)


def _text_style(level_ppr, size: int, bold: bool, color: RGBColor) -> None:
    """Default run properties of one level of a master text style."""
    rpr = level_ppr.find(qn("a:defRPr"))
    rpr.set("sz", str(size * 100))
    rpr.set("lang", LANG)
    if bold:
        rpr.set("b", "1")
    for old in rpr.findall(qn("a:solidFill")):
        rpr.remove(old)
    fill = etree.Element(qn("a:solidFill"))
    etree.SubElement(fill, qn("a:srgbClr")).set("val", str(color))
    rpr.insert(0, fill)


def _master(prs) -> None:
    master = prs.slide_master
    styles = master._element.find(qn("p:txStyles"))
    title = styles.find(f"{qn('p:titleStyle')}/{qn('a:lvl1pPr')}")
    title.set("algn", "l")
    _text_style(title, 26, True, BLEU_FRANCE)
    for i in range(1, 10):
        body = styles.find(f"{qn('p:bodyStyle')}/{qn(f'a:lvl{i}pPr')}")
        if body is not None:
            _text_style(body, 18 if i == 1 else 16, False, TEXT_GREY)
        other = styles.find(f"{qn('p:otherStyle')}/{qn(f'a:lvl{i}pPr')}")
        if other is not None:
            other.find(qn("a:defRPr")).set("lang", LANG)
    for ph in master.placeholders:
        kind = ph.placeholder_format.type
        if kind == PP_PLACEHOLDER.TITLE:
            _set_xfrm(ph, MARGIN, TITLE_TOP, WIDTH - 2 * MARGIN, TITLE_HEIGHT)
            ph.text_frame._bodyPr.set("anchor", "b")
        elif kind == PP_PLACEHOLDER.BODY:
            _set_xfrm(ph, MARGIN, TITLE_TOP + TITLE_HEIGHT + Inches(0.25), WIDTH - 2 * MARGIN, Inches(5.4))
        elif kind == PP_PLACEHOLDER.SLIDE_NUMBER:
            _set_xfrm(ph, WIDTH - MARGIN - Inches(1.0), FOOTER_TOP, Inches(1.0), Inches(0.35))
            _placeholder_text(ph, 11, BLEU_FRANCE, bold=True, align="r")
        elif kind == PP_PLACEHOLDER.FOOTER:
            _set_xfrm(ph, MARGIN, FOOTER_TOP, WIDTH - 2 * MARGIN - Inches(1.2), Inches(0.35))
            _placeholder_text(ph, 10, MENTION_GREY, align="l")
        elif kind == PP_PLACEHOLDER.DATE:
            _set_xfrm(ph, WIDTH - MARGIN - Inches(3.2), FOOTER_TOP, Inches(2.2), Inches(0.35))
    # a short rouge Marianne rule under the title, a grey rule above the footer
    _add_rect(master, "filet-titre", MARGIN + Emu(91440), TITLE_TOP + TITLE_HEIGHT + Inches(0.04),
              Inches(0.8), Inches(0.05), ROUGE_MARIANNE)
    _add_rect(master, "filet-pied", MARGIN, FOOTER_TOP - Inches(0.06), WIDTH - 2 * MARGIN, Emu(9525),
              RGBColor(0xDD, 0xDD, 0xDD))


def _placeholder_text(ph, size: int, color: RGBColor, bold: bool = False, align: str = "l") -> None:
    lst = ph.text_frame._txBody.find(qn("a:lstStyle"))
    for old in list(lst):
        lst.remove(old)
    lvl = etree.SubElement(lst, qn("a:lvl1pPr"))
    lvl.set("algn", align)
    lvl.set("marL", "0")
    lvl.set("indent", "0")
    etree.SubElement(lvl, qn("a:buNone"))
    rpr = etree.SubElement(lvl, qn("a:defRPr"))
    rpr.set("sz", str(size * 100))
    if bold:
        rpr.set("b", "1")
    fill = etree.SubElement(rpr, qn("a:solidFill"))
    etree.SubElement(fill, qn("a:srgbClr")).set("val", str(color))


def _next_id(owner) -> int:
    ids = [int(e.get("id")) for e in owner.shapes._spTree.iter(qn("p:cNvPr")) if e.get("id", "").isdigit()]
    return max(ids, default=1) + 1


def _add_rect(owner, name: str, left, top, width, height, color: RGBColor) -> Shape:
    """A filled rectangle, without outline, at the back of a master's or a layout's shapes."""
    sp = CT_Shape.new_autoshape_sp(_next_id(owner), name, "rect", int(left), int(top), int(width), int(height))
    tree = owner.shapes._spTree
    tree.insert(2, sp)  # after nvGrpSpPr and grpSpPr: behind the placeholders
    shape = Shape(sp, owner.shapes)
    shape.fill.solid()
    shape.fill.fore_color.rgb = color
    shape.line.fill.background()
    shape.shadow.inherit = False
    return shape


def _add_text(owner, name: str, left, top, width, height, lines) -> Shape:
    """A text box on a master or a layout; ``lines``: (text, size, bold, italic, colour)."""
    sp = CT_Shape.new_textbox_sp(_next_id(owner), name, int(left), int(top), int(width), int(height))
    owner.shapes._spTree.append(sp)
    shape = Shape(sp, owner.shapes)
    tf = shape.text_frame
    tf.word_wrap = True
    for i, (text, size, bold, italic, color) in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.line_spacing = 0.95
        for j, piece in enumerate(text.split("\n")):
            if j:
                p.add_line_break()
            run = p.add_run()
            run.text = piece
            run.font.size = Pt(size)
            run.font.bold = bold
            run.font.italic = italic
            run.font.color.rgb = color
    return shape


# --------------------------------------------------------------------------- layouts
def _layouts(prs) -> None:
    """Keep the title slide and « title only » layouts (renamed, placed for 16:9); drop the rest."""
    layouts = prs.slide_layouts
    title_layout, content_layout = layouts[0], layouts[5]
    for layout in list(layouts):
        if layout not in (title_layout, content_layout):
            layouts.remove(layout)
    title_layout.name, content_layout.name = LAYOUT_TITLE, LAYOUT_CONTENT
    for layout in (title_layout, content_layout):
        for ph in layout.placeholders:
            kind = ph.placeholder_format.type
            if kind == PP_PLACEHOLDER.TITLE:
                _set_xfrm(ph, MARGIN, TITLE_TOP, WIDTH - 2 * MARGIN, TITLE_HEIGHT)
            elif kind in (PP_PLACEHOLDER.SLIDE_NUMBER, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.DATE):
                _copy_xfrm(prs.slide_master, ph)
    # the title layout: without the master's rules; the « République française » block on white, then a
    # bleu France band
    title_layout._element.set("showMasterSp", "0")
    _add_rect(title_layout, "bandeau", 0, BAND_TOP, WIDTH, HEIGHT - BAND_TOP, BLEU_FRANCE)
    _add_rect(title_layout, "filet-bandeau", 0, BAND_TOP - Inches(0.06), WIDTH, Inches(0.06), ROUGE_MARIANNE)
    _add_text(title_layout, RF_BLOCK, Inches(0.6), Inches(0.45), Inches(3.2), Inches(1.9), [
        (RF_TEXT, 17, True, False, RGBColor(0, 0, 0)),
        (RF_MOTTO, 10, False, True, RGBColor(0, 0, 0)),
    ])
    for ph in title_layout.placeholders:
        kind = ph.placeholder_format.type
        if kind == PP_PLACEHOLDER.CENTER_TITLE:
            _set_xfrm(ph, Inches(0.6), BAND_TOP + Inches(0.35), WIDTH - Inches(1.2), Inches(1.35))
            _placeholder_text(ph, 32, WHITE, bold=True, align="l")
            ph.text_frame._bodyPr.set("anchor", "t")
        elif kind == PP_PLACEHOLDER.SUBTITLE:
            _set_xfrm(ph, Inches(0.6), BAND_TOP + Inches(1.75), WIDTH - Inches(1.2), Inches(0.55))
            _placeholder_text(ph, 20, WHITE, align="l")


def _copy_xfrm(master, ph) -> None:
    kind = ph.placeholder_format.type
    for mph in master.placeholders:
        if mph.placeholder_format.type == kind:
            _set_xfrm(ph, mph.left, mph.top, mph.width, mph.height)


def new_presentation() -> Presentation:
    """An empty 16:9 presentation on the committee template.

    Returns
    -------
    pptx.presentation.Presentation
        Theme « Territoires d'industrie (DSFR) » (bleu France / rouge Marianne colours,
        Arial), a master with the title, footer and slide-number placeholders placed for
        16:9, and the layouts :data:`LAYOUT_TITLE` and :data:`LAYOUT_CONTENT`.
    """
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _theme(prs)
    _master(prs)
    _layouts(prs)
    return prs


def layout(prs, name: str):
    """The layout called ``name`` (:data:`LAYOUT_TITLE` or :data:`LAYOUT_CONTENT`)."""
    return prs.slide_layouts.get_by_name(name)


def add_page_number(slide, number: int) -> None:
    """The slide's own slide-number placeholder (placed by the master), with a ``slidenum`` field."""
    layout_ph = next(p for p in slide.slide_layout.placeholders
                     if p.placeholder_format.type == PP_PLACEHOLDER.SLIDE_NUMBER)
    slide.shapes.clone_placeholder(layout_ph)
    ph = slide.shapes[-1]
    ph.name = PAGE_NUMBER
    p = ph.text_frame.paragraphs[0]
    fld = etree.SubElement(p._p, qn("a:fld"))
    fld.set("id", "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}")
    fld.set("type", "slidenum")
    etree.SubElement(fld, qn("a:rPr")).set("lang", LANG)
    etree.SubElement(fld, qn("a:t")).text = str(number)


__all__ = ["new_presentation", "layout", "add_page_number", "BLEU_FRANCE", "ROUGE_MARIANNE", "TEXT_GREY",
           "MENTION_GREY", "LIGHT_BLUE", "WHITE", "FONT", "LAYOUT_TITLE", "LAYOUT_CONTENT", "RF_BLOCK", "RF_TEXT",
           "PAGE_NUMBER", "WIDTH", "HEIGHT", "MARGIN", "TITLE_TOP", "TITLE_HEIGHT", "FOOTER_TOP", "BAND_TOP"]
