"""WSGI entry for production: `gunicorn -c python:signage.gunicorn_conf -b 127.0.0.1:8081 wsgi:app`."""

from signage import create_app

app = create_app()
