"""The providers' portal over the API (/api/v1/portal/): what the portal pages do, for a
mini-program of a station, an agency or a volunteer."""
