"""How a department writes its file: CSV in its encoding or a workbook under a title, one row a
person, in its words."""

import csv
import datetime as dt
import io

import openpyxl

from bangfu.core.spreadsheets import safe_csv_row, safe_row
from bangfu.registry.models import Member

Disability = Member.Disability


def _csv(headers: list[str], rows: list[list], *, encoding: str) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(safe_csv_row(headers))
    writer.writerows(safe_csv_row(row) for row in rows)
    # Excel in China saves CSV as GB18030; newer exports use UTF-8 with a byte-order mark.
    data = text.getvalue().encode("utf-8-sig" if encoding == "utf-8-sig" else encoding)
    return io.BytesIO(data)


def _xlsx(title: str, headers: list[str], rows: list[list]) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(safe_row(sheet, [title]))
    sheet.append(safe_row(sheet, headers))
    for row in rows:
        sheet.append(safe_row(sheet, row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


_KIND_WORDS = {
    Disability.VISUAL: "视力残疾",
    Disability.HEARING: "听力残疾",
    Disability.SPEECH: "言语残疾",
    Disability.PHYSICAL: "肢体残疾",
    Disability.INTELLECTUAL: "智力残疾",
    Disability.MENTAL: "精神残疾",
    Disability.MULTIPLE: "多重残疾",
}
_TEKUN_HEADERS = ["身份证号", "姓名", "村(社区)代码", "出生日期"]
RISKS = ("因病", "因残", "因学", "因灾", "因意外事故", "务工就业不稳")


def _dedupe(rows: list[list]) -> list[list]:
    """One row per person (and year): the departments' exports are aggregated."""
    seen, out = set(), []
    for row in rows:
        if row[0] not in seen:
            seen.add(row[0])
            out.append(row)
    return out


def _disability_row(member: Member, kind: str, grade: int, issued: dt.date) -> list:
    return [member.id_number, member.name, "", _KIND_WORDS[kind], f"{grade}级", issued.isoformat()]


def _monitoring_row(rng, number, name, village_code, as_of) -> list:
    identified = as_of - dt.timedelta(days=rng.randint(20, 400))
    return [number, name, village_code, identified.isoformat(), rng.choice(RISKS)]


def _custody_row(rng, number, name, village_code, as_of) -> list:
    since = as_of - dt.timedelta(days=rng.randint(30, 1500))
    situation = "服刑" if rng.random() < 0.7 else "强制隔离戒毒"
    return [number, name, village_code, situation, since.isoformat()]


def _tekun_row(number, name, village_code, birth: dt.date) -> list:
    return [number, name, village_code, birth.isoformat()]
