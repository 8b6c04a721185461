"""The directory as a Frictionless tabular data package (HSDS's tabular serialisation): one
UTF-8 CSV per table, with every column HSDS names for it, and ``datapackage.json`` describing
them, zipped in memory (a county's directory is some hundreds of rows).

The zip's entries carry a fixed date, so two exports of the same directory are the same bytes.
"""

import csv
import io
import json
import zipfile

from django.utils import translation
from django.utils.translation import gettext as _

from bangfu.api.hsds import tables
from bangfu.api.hsds.directory import Directory
from bangfu.api.hsds.tables import uid
from bangfu.core.spreadsheets import safe_csv_row

ENTRY_DATE = (2024, 1, 1, 0, 0, 0)


def _meta_table_descriptions(directory: Directory) -> None:
    """The tabular package's way of tagging the language and character set of each table."""
    for table in tables.TABLES:
        if table is not tables.META_TABLE_DESCRIPTION:
            directory.add(
                tables.META_TABLE_DESCRIPTION,
                id=uid("meta-table", table.name),
                name=table.name,
                language=tables.LANGUAGE_CODE,
                character_set="UTF-8",
            )


def _field(field: tables.Field) -> dict:
    found = {"name": field.name, "type": field.type}
    if field.format:
        found["format"] = field.format
    found["constraints"] = {"required": field.required} | (
        {"unique": True} if field is tables.ID else {}
    )
    return found


def descriptor(*, title: str) -> dict:
    return {
        "name": "bangfu-hsds",
        "title": title,
        "profile": "tabular-data-package",
        "hsds_version": tables.HSDS_VERSION,
        "languages": [tables.LANGUAGE_TAG],
        "resources": [
            {
                "name": table.name,
                "path": table.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [_field(field) for field in table.fields],
                    "primaryKey": "id",
                    "foreignKeys": [
                        {"fields": column, "reference": {"resource": target, "fields": "id"}}
                        for column, target in table.foreign_keys
                    ],
                },
            }
            for table in tables.TABLES
        ],
    }


def _csv(table: tables.Table, rows: list[dict]) -> bytes:
    """One table's CSV. Text a spreadsheet would run (a name typed as "=…") is escaped as the
    project's exports escape it: people open these files in Excel too."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in rows:
        writer.writerow(safe_csv_row(row.get(column, "") for column in table.columns))
    return text.getvalue().encode("utf-8")


def datapackage_zip(directory: Directory) -> bytes:
    _meta_table_descriptions(directory)
    with translation.override("zh-hans"):
        title = _("Bangfu public service directory")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:

        def write(name: str, content: bytes) -> None:
            archive.writestr(zipfile.ZipInfo(name, ENTRY_DATE), content, zipfile.ZIP_DEFLATED)

        write(
            "datapackage.json",
            json.dumps(descriptor(title=title), ensure_ascii=False, indent=2).encode("utf-8"),
        )
        for table in tables.TABLES:
            write(table.path, _csv(table, directory.table(table)))
    return buffer.getvalue()
