"""The departments' files for the demo's finding people: the medical insurance bureau's
out-of-pocket spending, the disabled persons' federation's certificates, the monitoring list,
the justice bureau's minors of prisoners, what families paid for schooling and rehabilitation
(因学、因残), the files that show someone covered who may not qualify (错保: deaths, vehicles,
real estate, businesses, public payroll) and two 特困 lists three months apart. Each file holds
rows that fire its rules and rows that must not (a covered household's only home, a vehicle of
someone with no status, a death already recorded as an exit).

Each file mixes registered members, drawn from the registry in a fixed order, with strangers:
people the registry does not know, so the import makes candidates of them. Everything is drawn
from the ``rng`` that ``bangfu.demo.discovery`` passes in, in a fixed order.

One module a subject: the people in the files (``people``), how a department writes its file
(``rows``), the registers of the departments (``departments``, which puts all the files in
import order), what families paid for schooling and rehabilitation (``spending``) and the files
of the wrongly covered (``wrongly_covered``).
"""

from bangfu.demo.discovery_files.departments import department_files
from bangfu.demo.discovery_files.people import Strangers
from bangfu.demo.discovery_files.rows import RISKS

__all__ = ["RISKS", "Strangers", "department_files"]
