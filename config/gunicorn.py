"""gunicorn settings: ``gunicorn -c config/gunicorn.py config.wsgi``.

Each worker process holds its own database connection. A cast spends most of its time in
Python and little waiting on PostgreSQL, so cores+1 synchronous workers keep every core busy;
more only add switching (bench/load_vote.py: 3 workers cast the most ballots on 2 cores).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# Workers are forked from a master that has already loaded Django (nothing touches the
# database or Redis while loading), so replacing one costs a fork, not a second of imports
# during a rush. Deploy new code by restarting gunicorn: a HUP keeps the loaded code.
preload_app = True
# A guard against slow leaks: each worker is replaced after this many requests.
max_requests = 20000
max_requests_jitter = 2000
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
