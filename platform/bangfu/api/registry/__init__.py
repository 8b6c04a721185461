"""The household registry over the API, for the roles that read it on the staff pages: search,
households and their members (masked as the household page masks them), needs and their
history, the audited reveal of an ID number, and the benefits system's status decisions."""
