#!/bin/sh
# How the production image is built and how each of its processes starts, in one place: the
# Dockerfile and docker-compose.yml call this script, and so does CI (.ci/image-smoke), which
# has no container engine and runs the same steps in a fresh virtualenv.
#
#   config/image.sh build [system] [python] [static]   all three steps when none is named
#   config/image.sh start web|worker|beat
#
# build system   Debian packages WeasyPrint loads when activities/printing.py is imported (so
#                for every page): Pango, HarfBuzz-Subset and a font. apt-get installs the
#                missing ones.
# build python   the production lock only (requirements.lock), into the current Python.
# build static   collectstatic with production settings, so the manifest that
#                CompressedManifestStaticFilesStorage needs exists (without it every HTML
#                page is a 500); message catalogues only if a .mo is missing (they are in git).
# start web      migrate, then gunicorn on $BIND (0.0.0.0:8000) with $WEB_CONCURRENCY (3) workers
# start worker   the Celery worker;  start beat: Celery beat
#
# `python`, `gunicorn` and `celery` are taken from PATH: the image's Python, or a virtualenv
# whose bin/ comes first.
set -eu
cd "$(dirname "$0")/.."

# Pango and a font for WeasyPrint; HarfBuzz-Subset embeds only the glyphs a PDF uses (without
# it WeasyPrint falls back to slower fontTools and warns that this goes away).
SYSTEM_PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"

say() { printf 'image: %s\n' "$*" >&2; }

# Prints the packages of $@ that are not installed (Debian), or all of them when Pango is
# missing on a system without dpkg.
missing_packages() {
  if command -v dpkg-query >/dev/null 2>&1; then
    for pkg in "$@"; do
      dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q ' installed$' \
        || printf ' %s' "$pkg"
    done
  elif ! { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep -q libpangoft2-1.0; then
    printf ' %s' "$@"
  fi
}

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "please install: $* (no apt-get here)"
    exit 1
  fi
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing $* with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Management commands at build time: production settings (no DEBUG), and a throwaway key
# because the real one is a runtime secret that the build never sees.
build_manage() {
  DEBUG=false SECRET_KEY=image-build-only-not-a-secret python manage.py "$@"
}

build_system() {
  # shellcheck disable=SC2086 # word splitting intended: a list of package names
  missing=$(missing_packages $SYSTEM_PACKAGES)
  if [ -n "$missing" ]; then
    # shellcheck disable=SC2086
    apt_install $missing
  fi
}

build_python() {
  python -m pip install --quiet -r requirements.lock
}

build_static() {
  build_manage collectstatic --no-input
  for po in locale/*/LC_MESSAGES/*.po; do
    if [ ! -e "${po%.po}.mo" ]; then
      command -v msgfmt >/dev/null 2>&1 || apt_install gettext
      build_manage compilemessages --ignore '.venv/*' --ignore 'var/*'
      break
    fi
  done
}

build() {
  [ $# -gt 0 ] || set -- system python static
  for step in "$@"; do
    case $step in
      system | python | static) say "build $step"; "build_$step" ;;
      *) say "unknown build step: $step"; exit 2 ;;
    esac
  done
}

start() {
  # A developer's .env (DEBUG=true, see the Makefile) must never switch a production process
  # to development mode: the environment wins over .env, so say it here.
  export DEBUG="${DEBUG:-false}"
  case ${1:-} in
    web)
      python manage.py migrate --no-input
      # The access log's own connection (a no-op where it shares the default database).
      python manage.py migrate --no-input --database access_log
      exec gunicorn config.wsgi --bind "${BIND:-0.0.0.0:8000}" \
        --workers "${WEB_CONCURRENCY:-3}" --access-logfile -
      ;;
    worker) exec celery -A config worker --loglevel INFO --concurrency 2 ;;
    beat) exec celery -A config beat --loglevel INFO --schedule /tmp/celerybeat-schedule ;;
    *) say "usage: $0 start web|worker|beat"; exit 2 ;;
  esac
}

case ${1:-} in
  build) shift; build "$@" ;;
  start) shift; start "$@" ;;
  *) say "usage: $0 build [system] [python] [static] | start web|worker|beat"; exit 2 ;;
esac
