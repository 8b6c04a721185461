"""The to-do lines read the plain way, part by part: the reference the grouped reads of
``core.todos.each_or_grouped`` are checked against."""

from dataclasses import replace

from bangfu.core import todos


def one_part_at_a_time(rows, *, each, parts, first=""):
    """The plain way to the same lines: each part's rows read on their own, then counted when
    many, the grouped line as due and as urgent as its first row's own line."""
    found = []
    for where, grouped in parts:
        part = rows.filter(where)
        listed = list(part[: todos.EACH_UP_TO + 1])
        if len(listed) <= todos.EACH_UP_TO:
            found += [each(row) for row in listed]
            continue
        lead = each(listed[0])
        line = grouped(getattr(listed[0], first) if first else None)
        found.append(replace(line, count=part.count(), due_at=lead.due_at, urgent=lead.urgent))
    return found
