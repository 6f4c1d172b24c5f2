"""WSGI entry for production: `gunicorn -k gevent -w 1 --worker-connections 10000 wsgi:app`."""

from signage import create_app

app = create_app()
