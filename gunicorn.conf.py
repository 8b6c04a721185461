"""Gunicorn's settings for the web container (``gunicorn -c gunicorn.conf.py``).

The access log leaves query strings and the referrer out: a URL's query may carry a search, and
people's ID and phone numbers must not end up in log files. Requests are logged as method,
path and protocol (``%(U)s``, never the request line ``%(r)s``). Behind a proxy ``%(h)s`` is the
proxy's address; the forwarded chain is logged after it, as the proxy sent it.
"""

bind = "0.0.0.0:8000"
accesslog = "-"
access_log_format = " ".join(
    [
        '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(L)s',
        '"%(a)s" "%({x-forwarded-for}i)s"',
    ]
)
