#!/usr/bin/env bash
# Install what is missing, then run the app on the embedded defaults (SQLite, in-memory
# channel layer) with daphne at http://${HOST:-127.0.0.1}:${PORT:-8000}/.
set -euo pipefail
cd "$(dirname "$0")"
. ./scripts/setup.sh

python manage.py migrate --noinput
python manage.py demo_data
if [ "${DEBUG:-1}" = "0" ] || [ "${DEBUG:-1}" = "false" ]; then
  python manage.py collectstatic --noinput -v0
fi

exec ./scripts/serve.sh "${HOST:-127.0.0.1}" "${PORT:-8000}"
