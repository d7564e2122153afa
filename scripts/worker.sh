#!/usr/bin/env bash
# The Celery worker (the daily reminder, notifications/tasks.py): needs REDIS_URL (or
# CELERY_BROKER_URL). Used by the Procfile, compose.yaml and the systemd example.
set -euo pipefail
exec celery -A dashboard worker --loglevel="${CELERY_LOG_LEVEL:-info}" ${CELERY_WORKER_ARGS:-}
