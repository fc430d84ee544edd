"""Entry point: ``python app.py`` (development) or ``gunicorn app:server``."""
import settings
from dashboard import create_app
from dashboard.runtime import load_or_build, warm_up

app = create_app(load_or_build())
warm_up(app)
server = app.server

if __name__ == "__main__":
    app.run(host=settings.get("HOST"), port=settings.get("PORT"), debug=False)
