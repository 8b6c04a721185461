"""Import profiles: for each department's file, the columns it has and how each cell is read.

A profile is configuration. The headers are the file format (as the department's export writes
them, in Chinese in every interface language); aliases cover the variants seen in practice. Add
an alias here when a department renames a column; add a profile (and a ``Source``) for a new
department. Cell readers come from the ledger import, so a date or an amount is read the same
way in every file Bangfu takes in.

Every profile has the person's ID number and name; ``village_code`` is needed only for people the
registry does not know (they become candidate persons in that village).

One module a subject: a column of a file and its readers (``fields``), the table of files and
their columns (``table``), the blank template (``blank``).
"""

from bangfu.discovery.profiles.blank import blank_template
from bangfu.discovery.profiles.table import PROFILES, Profile

__all__ = ["PROFILES", "Profile", "blank_template"]
