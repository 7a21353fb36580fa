"""The programmes pages: the supporter's caseload (caseload.py), the coordinator's pages to run a programme
(manage.py) and the patient's own contacts (patient.py). Each module lists its own routes.
The check-ins group organisers asked for (check_ins.py) are a section of the caseload: its routes join caseload.py's."""
