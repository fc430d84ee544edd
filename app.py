"""Entry point: ``python app.py`` (development) or ``gunicorn app:server``."""
import os

from dashboard import create_app
from dashboard.runtime import load_or_build, warm_up

app = create_app(load_or_build())
warm_up(app)
server = app.server

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")), debug=False)
