"""The intake desk over the API (/api/v1/intake/): another system (the 12349 hotline) opens a
case on a call, gives it the household and the need, and reads how it goes."""
