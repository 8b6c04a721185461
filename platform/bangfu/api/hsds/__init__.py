"""The public service directory in Open Referral's Human Services Data Specification 3.0: the
API HSDS defines (``views``) and its tabular data package (``datapackage``), both from one build
of the directory (``directory``)."""
