"""Minutes in every format the extractor reads, built with the real libraries (a PDF with
a text layer by hand: pypdf cannot write text), and the bad files it must refuse."""

import io
import zipfile

MIB = 1024 * 1024


def docx_minutes() -> bytes:
    """Heading styles, a two-column «Trata» | «Tráfico» table of paragraphs and a numbered
    «ACORDARON» list, as a CRM working table's minutes are laid out."""
    import docx

    document = docx.Document()
    document.add_heading("Acta del Grupo Regional de Consulta sobre Migración", level=0)
    document.add_paragraph("Ciudad de Guatemala, junio de 2019")
    document.add_heading("Mesa de trabajo 1: Trata de personas", level=1)
    document.add_heading("Experiencias", level=2)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Trata", "Tráfico"
    fill(table.cell(1, 0), ["Guatemala: Protocolo de repatriación con participación consular.",
                            "México: Mesas temáticas para atender casos de trata."])
    fill(table.cell(1, 1), ["Honduras: Operativos conjuntos en la frontera sur.",
                            "El Salvador: Se enjuició a una red de traficantes."])
    document.add_paragraph("ACORDARON:")
    document.add_paragraph("Fortalecer el intercambio de información entre consulados.",
                           style="List Number")
    document.add_paragraph("Elaborar un protocolo regional de atención a víctimas.",
                           style="List Number")
    document.add_paragraph("La sesión se levantó a las 17:00 horas.")
    document.add_heading("Grupo de trabajo sobre Niñez migrante", level=1)
    document.add_heading("Obstáculos", level=2)
    document.add_paragraph("Falta de datos desagregados por edad y sexo.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def fill(cell, paragraphs: list[str]) -> None:
    cell.text = paragraphs[0]
    for text in paragraphs[1:]:
        cell.add_paragraph(text)


def odt_minutes() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, List, ListItem, P

    document = OpenDocumentText()
    body = document.text
    body.addElement(H(outlinelevel=1, text="Grupo de trabajo sobre Protección Consular"))
    body.addElement(P(text="Participaron delegaciones de ocho países."))
    body.addElement(H(outlinelevel=2, text="Recomendaciones"))
    items = List()
    for text in ("Ampliar la red consular de protección.",
                 "Capacitar al personal consular en derechos humanos."):
        item = ListItem()
        item.addElement(P(text=text))
        items.addElement(item)
    body.addElement(items)
    body.addElement(H(outlinelevel=2, text="Buenas prácticas"))
    body.addElement(P(text="Costa Rica: Consejo Nacional de Migración con la sociedad civil."))
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


ENGLISH_MARKDOWN = """# Working group on Labour Migration

The meeting opened at 10:00.

## Recommendations

1. Strengthen the exchange of information between consulates
   of the region on labour recruitment.
2. Create a regional registry of recruitment agencies.

The Conference agreed to:

- Hold a workshop on fair recruitment.
- Invite civil society to the next meeting.

## Good practices

Canada shared its seasonal agricultural worker programme.

## Challenges

- Lack of data disaggregated by sex and age.
"""

YEAR_AGREEMENTS = """Recalling the agreements of previous meetings:
2019:
a) Promote the protection of migrant children.
b) Share statistics on returns.
2020:
a) Adopt the regional guidelines on consular protection.
"""

SPANISH_LIST = """Recomendaciones:
· Fortalecer la cooperación entre países de la región.
· Mejorar la atención a víctimas de trata y tráfico ilícito.
"""

PDF_LINES = [
    "Mesa de trabajo 2: Migración laboral",
    "Recomendaciones",
    "1. Fortalecer la cooperación entre los consulados de la",
    "región para la protección de los trabajadores migrantes.",
    "2. Crear un registro regional de agencias de reclutamiento.",
    "Obstáculos",
    "- Falta de información sobre las agencias.",
]


def pdf_escape(line: str) -> bytes:
    """A PDF string literal for Helvetica with WinAnsiEncoding (cp1252)."""
    out = bytearray()
    for byte in line.encode("cp1252"):
        out += b"\\%03o" % byte if byte > 126 or byte in b"()\\" else bytes([byte])
    return bytes(out)


def pdf_with_text(lines: list[str]) -> bytes:
    """A one-page PDF, one Tj per line, with correct xref offsets."""
    content = b"BT /F1 11 Tf 50 800 Td\n" + b"".join(
        (b"" if n == 0 else b"0 -14 Td\n") + b"(" + pdf_escape(line) + b") Tj\n"
        for n, line in enumerate(lines)) + b"ET\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def encrypted_pdf() -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf_with_text(PDF_LINES))))
    writer.encrypt("secreto")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def blank_pdf() -> bytes:
    """What a scan without OCR is to a text reader: pages, no text."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def rezip(data: bytes, replace: dict[str, bytes] | None = None,
          add: dict[str, bytes] | None = None) -> bytes:
    """The same archive with some members replaced or added."""
    replace, add = replace or {}, add or {}
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, replace.get(info.filename, source.read(info)))
        for name, content in add.items():
            target.writestr(name, content)
    return buffer.getvalue()


def docm_by_content_type() -> bytes:
    data = docx_minutes()
    types = zipfile.ZipFile(io.BytesIO(data)).read("[Content_Types].xml")
    macro = types.replace(
        b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
        b"application/vnd.ms-word.document.macroEnabled.main+xml")
    assert macro != types
    return rezip(data, replace={"[Content_Types].xml": macro})


def docx_with_vba_project() -> bytes:
    return rezip(docx_minutes(), add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})


def odt_with_basic() -> bytes:
    return rezip(odt_minutes(), add={"Basic/Standard/Module1.xml": b"<module/>"})


def odt_with_entity() -> bytes:
    """content.xml declaring an entity: defusedxml (under odfpy) refuses to parse it."""
    data = odt_minutes()
    content = zipfile.ZipFile(io.BytesIO(data)).read("content.xml")
    head, _, rest = content.partition(b"?>")
    evil = head + b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + rest
    return rezip(data, replace={"content.xml": evil})


def zip_bomb_docx(size: int = 200 * MIB) -> bytes:
    """A docx whose document.xml is ``size`` zero bytes, streamed (never held whole)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(size // MIB):
                member.write(bytes(MIB))
    return buffer.getvalue()


def xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()
