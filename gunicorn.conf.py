"""gunicorn's settings, read from this directory by `gunicorn wsgi:app` (`make run`, the README's
deployment); command-line flags such as --workers and --bind win over them.

Threads (gthread): a worker's main loop keeps telling gunicorn it is alive while a request runs in one
of its threads, so a long download — a million-row export streams for minutes — is not taken for a
hung worker and killed at `timeout` (with the default sync workers it was, mid-file)."""
worker_class = "gthread"
threads = 4
timeout = 60  # a worker whose main loop is silent this long is restarted (a stuck worker, not a long request)
limit_request_line = 8190  # gunicorn's largest; the app answers a URL over 4,096 characters with its JSON 414
