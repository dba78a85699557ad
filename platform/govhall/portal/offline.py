"""Blank and pre-filled application forms (R-A7), generated from the item's FormSpec:

- a fillable spreadsheet (openpyxl): one row per field with its label, help and
  allowed values (a drop-down where the field is a choice), one sheet per list
  field (e.g. the workers of a batch health check); read back to create a draft;
- a printable PDF (reportlab) with the fields to fill by hand and the materials
  checklist, in Chinese with the Adobe-GB1 CID font every PDF reader has.

The spreadsheet carries the item code and each field's name in hidden cells, so
an uploaded file is matched to the item and its fields whatever the applicant
did to the labels; a file that is not such a spreadsheet is refused with a reason.
openpyxl is imported on use (~0.3 s of every process start otherwise).
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from govhall.catalog.forms import describe_fields
from govhall.errors import InvalidInput
from govhall.i18n import N_, Localized
from govhall.sdk import ItemSpec

if TYPE_CHECKING:
    from openpyxl import Workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAIN_SHEET = "申请表"
MARKER = "govhall-form"
FIRST_ROW = 5
MAX_UPLOAD = 2 * 1024 * 1024
CJK_FONT = "STSong-Light"


def _yes_no(locale: str) -> tuple[str, str]:
    return ("是", "否") if locale != "en" else ("yes", "no")


def blank_workbook(
    spec: ItemSpec, values: dict[str, Any] | None = None, locale: str = "zh-CN"
) -> bytes:
    """The item's form as a spreadsheet, filled with ``values`` where given."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    values = values or {}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = MAIN_SHEET
    sheet["A1"] = MARKER
    sheet["B1"] = spec.code
    sheet["C1"] = Localized(spec.name, spec.name_en).pick(locale)
    sheet["C1"].font = Font(bold=True, size=14)
    sheet["C2"] = Localized(
        "请在“填写内容”一列填写，保存后上传到网上办事大厅；不要修改 A、B 两列。",
        "Fill in the “Answer” column, save, and upload the file on the portal; "
        "leave columns A and B as they are.",
    ).pick(locale)
    headers = (
        ("字段", "项目", "填写内容", "说明")
        if locale != "en"
        else (
            "field",
            "Question",
            "Answer",
            "Notes",
        )
    )
    for column, text in enumerate(headers, start=1):
        cell = sheet.cell(row=FIRST_ROW - 1, column=column, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDDDDD")
    yes, no = _yes_no(locale)
    row = FIRST_ROW
    for field in describe_fields(spec.form):
        name = field["name"]
        label = Localized(field["label"], field["label_en"]).pick(locale)
        notes = []
        if field["required"]:
            notes.append("必填" if locale != "en" else "required")
        if field["help"]:
            notes.append(Localized(field["help"], field["help_en"]).pick(locale))
        sheet.cell(row=row, column=1, value=name)
        sheet.cell(row=row, column=2, value=label)
        if field["type"] == "array":
            notes.append(f"见工作表“{label}”" if locale != "en" else f"see the sheet “{label}”")
            _list_sheet(book, spec, name, label, values.get(name) or [])
        else:
            value = values.get(name)
            options = field["options"]
            if options:
                shown = [Localized(o["label"], o["label_en"]).pick(locale) for o in options]
                chosen = next(
                    (s for o, s in zip(options, shown, strict=True) if o["value"] == value), None
                )
                _dropdown(sheet, row, shown)
                sheet.cell(row=row, column=3, value=chosen)
            elif field["type"] == "boolean":
                _dropdown(sheet, row, [yes, no])
                sheet.cell(
                    row=row, column=3, value=(yes if value else no) if value is not None else None
                )
            else:
                sheet.cell(row=row, column=3, value=value)
        sheet.cell(row=row, column=4, value="；".join(notes))
        row += 1
    sheet.column_dimensions["A"].hidden = True
    sheet.column_dimensions["B"].width = 28
    sheet.column_dimensions["C"].width = 40
    sheet.column_dimensions["D"].width = 50
    for cells in sheet.iter_rows(min_row=FIRST_ROW, max_row=row):
        for each in cells:
            each.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _dropdown(sheet: Any, row: int, choices: list[str]) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    quoted = ",".join(c.replace('"', "'").replace(",", "，") for c in choices)
    validation = DataValidation(type="list", formula1=f'"{quoted}"', allow_blank=True)
    sheet.add_data_validation(validation)
    validation.add(sheet.cell(row=row, column=3))


def _list_sheet(
    book: Workbook, spec: ItemSpec, name: str, label: str, rows: list[dict[str, Any]]
) -> None:
    from openpyxl.styles import Font

    columns = spec.form.properties[name].get("items", {}).get("properties", {})
    sheet = book.create_sheet(title=label[:31])
    sheet["A1"] = MARKER
    sheet["B1"] = name
    for index, (column, prop) in enumerate(columns.items(), start=1):
        sheet.cell(row=2, column=index, value=column)
        header = sheet.cell(row=3, column=index, value=prop.get("title", column))
        header.font = Font(bold=True)
        sheet.column_dimensions[header.column_letter].width = 24
    sheet.row_dimensions[2].hidden = True
    for offset, entry in enumerate(rows):
        for index, column in enumerate(columns, start=1):
            sheet.cell(row=4 + offset, column=index, value=entry.get(column))


_BROKEN = N_("无法读取上传的离线申请表：{reason}")


def _broken(reason: Localized) -> InvalidInput:
    return InvalidInput(_BROKEN, code="offline_file_invalid", reason=reason)


def read_workbook(spec: ItemSpec, content: bytes) -> dict[str, Any]:
    """The form data typed into a spreadsheet made by :func:`blank_workbook`, as the
    strings and numbers typed (the draft's checks then say what is wrong). Any file
    that cannot be read that way is refused with the reason, never a server error."""
    if len(content) > MAX_UPLOAD:
        raise _broken(Localized("文件过大（上限 2 MB）", "the file is too large (2 MB at most)"))
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # zip, XML and format errors alike: not our spreadsheet
        raise _broken(
            Localized(
                "这不是本平台生成的 Excel 文件（.xlsx）",
                "this is not an .xlsx form from this portal",
            )
        ) from exc
    try:
        return _read(spec, book)
    except InvalidInput:
        raise
    except Exception as exc:  # a damaged sheet inside a valid archive
        raise _broken(Localized("表格内容已损坏", "the sheet is damaged")) from exc
    finally:
        book.close()


def _read(spec: ItemSpec, book: Any) -> dict[str, Any]:
    sheets = {s.title: s for s in book.worksheets}
    main = sheets.get(MAIN_SHEET)
    if main is None or main["A1"].value != MARKER:
        raise _broken(Localized("缺少“申请表”工作表", "the “申请表” sheet is missing"))
    if main["B1"].value != spec.code:
        raise _broken(
            Localized(
                f"这是事项 {main['B1'].value} 的申请表，不是 {spec.code}",
                f"this form is for item {main['B1'].value}, not {spec.code}",
            )
        )
    fields = {f["name"]: f for f in describe_fields(spec.form)}
    data: dict[str, Any] = {}
    for row in main.iter_rows(min_row=FIRST_ROW, max_col=3, values_only=True):
        name, _, value = [*row, None, None, None][:3]
        field = fields.get(str(name)) if name else None
        if field is None or field["type"] == "array" or value in (None, ""):
            continue
        data[str(name)] = _answer(field, value)
    for sheet in book.worksheets:
        if sheet.title == MAIN_SHEET or sheet["A1"].value != MARKER:
            continue
        name = str(sheet["B1"].value or "")
        if name not in fields or fields[name]["type"] != "array":
            continue
        columns = [c for c in next(sheet.iter_rows(min_row=2, max_row=2, values_only=True))]
        entries = []
        for values in sheet.iter_rows(min_row=4, values_only=True):
            entry = {
                str(column): (str(v).strip() if not isinstance(v, int | float) else v)
                for column, v in zip(columns, values, strict=False)
                if column and v not in (None, "")
            }
            if entry:
                entries.append(entry)
        data[name] = entries
    return data


def _answer(field: dict[str, Any], value: Any) -> Any:
    """A cell's value as the form wants it: a choice's label back to its value."""
    if field["options"]:
        text = str(value).strip()
        for option in field["options"]:
            if text in (option["label"], option["label_en"], str(option["value"])):
                return option["value"]
        return text
    if field["type"] == "boolean":
        return str(value).strip().lower() in ("是", "yes", "true", "1", "y")
    if field["type"] in ("integer", "number") and isinstance(value, int | float):
        return int(value) if float(value).is_integer() else value
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    text = str(value).strip()
    if field["type"] in ("integer", "number"):
        try:
            number = float(text)
            return int(number) if number.is_integer() else number
        except ValueError:
            return text
    return text


def blank_pdf(spec: ItemSpec, locale: str = "zh-CN") -> bytes:
    """A printable form: every field with room to write, and the materials checklist."""
    # reportlab on use: it is a large share of a process's start-up.
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if CJK_FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    title = ParagraphStyle("title", fontName=CJK_FONT, fontSize=16, leading=22, spaceAfter=6)
    body = ParagraphStyle("body", fontName=CJK_FONT, fontSize=10.5, leading=15)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=12, textColor=colors.grey)
    zh = locale != "en"

    def text(zh_text: str, en_text: str = "") -> str:
        chosen = zh_text if zh or not en_text else en_text
        return chosen.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    story: list[Any] = [
        Paragraph(
            text(spec.name, spec.name_en) + (" 申请表" if zh else " — application form"), title
        ),
        Paragraph(text(f"事项编码：{spec.code}", f"Item code: {spec.code}"), small),
        Spacer(1, 4 * mm),
    ]
    rows = []
    for field in describe_fields(spec.form):
        label = text(field["label"], field["label_en"]) + (" *" if field["required"] else "")
        if field["options"]:
            hint = "　".join("□ " + text(o["label"], o["label_en"]) for o in field["options"])
        elif field["type"] == "boolean":
            hint = "□ 是　□ 否" if zh else "□ yes　□ no"
        elif field["type"] == "array":
            hint = text("（另附名单）", "(attach a list)")
        else:
            hint = ""
        rows.append([Paragraph(label, body), Paragraph(hint, body)])
    table = Table(rows, colWidths=[55 * mm, 115 * mm], rowHeights=None)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 12),
            ]
        )
    )
    story += [table, Spacer(1, 6 * mm), Paragraph(text("申请材料清单", "Materials"), title)]
    for material in spec.materials:
        required = text("（必须）", " (required)") if material.required else ""
        story.append(Paragraph("□ " + text(material.name, material.name_en) + required, body))
    story += [
        Spacer(1, 10 * mm),
        Paragraph(
            text(
                "申请人（签名或盖章）：　　　　　　　　日期：",
                "Applicant (signature or seal):　　　　Date:",
            ),
            body,
        ),
    ]
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, title=spec.name, author="govhall"
    ).build(story)
    return out.getvalue()
