# One image for web, worker and beat. The steps live in config/image.sh (CI runs the same
# script without a container engine, .ci/image-smoke); this file only orders them for layer
# caching: system packages and the production lock first, the code after.
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 1000 omzien
WORKDIR /app
COPY requirements.lock ./
COPY config/image.sh config/
# apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
# (WeasyPrint, which every page imports), then
# pip install -r requirements.lock (production only: no test tools).
RUN sh config/image.sh build system python && rm -rf /var/lib/apt/lists/*
COPY --chown=omzien:omzien . .
# collectstatic with DEBUG=false: the manifest the production static storage reads.
RUN sh config/image.sh build static \
 && mkdir -p /app/var/media && chown -R omzien:omzien /app/var
USER omzien
EXPOSE 8000
CMD ["sh", "/app/config/image.sh", "start", "web"]
