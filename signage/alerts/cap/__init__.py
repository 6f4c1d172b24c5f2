"""CAP 1.2: the message format (message.py, read safely by rules.py), alerts from CAP messages
(ingest.py), polled upstream feeds (feeds.py) and the CAP endpoints (api.py)."""
