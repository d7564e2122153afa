#!/usr/bin/env bash
# Celery beat, the scheduler of the daily reminder: run exactly one. Its schedule file goes to
# CELERY_BEAT_SCHEDULE_FILE (the app's folder may be read-only, as in the container).
set -euo pipefail
exec celery -A dashboard beat --loglevel="${CELERY_LOG_LEVEL:-info}" \
  --schedule "${CELERY_BEAT_SCHEDULE_FILE:-${TMPDIR:-/tmp}/taskboard-celerybeat-schedule}"
