# syntax=docker/dockerfile:1
# The platform image: the wheel built from this checkout, installed (non-editable) with its pinned
# dependencies and nothing else into a slim Python, run as an unprivileged user. One image for
# every process; docker-compose.yml and the Procfile choose the command:
#   release  demeterrr-manage setup_platform      web     gunicorn host.wsgi:application ...
#   worker   celery -A host worker ...            beat    celery -A host beat ...
# Build: docker build -t demeterrr-integrations .   (or `docker compose build`)

ARG PYTHON_IMAGE=python:3.11-slim

# --- builder: the project's wheel and a wheel of every dependency -------------------------------
FROM ${PYTHON_IMAGE} AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
# Only what the wheel is built from; devtools/, tests/ and benchmarks/ never enter the image.
COPY pyproject.toml setup.cfg README.md ./
COPY host ./host
COPY tenants ./tenants
COPY plugins ./plugins
COPY api ./api
RUN pip wheel --wheel-dir /wheels .

# --- runtime ------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=host.settings \
    STATIC_ROOT=/app/staticfiles
# From the builder's wheels only (--no-index): exactly the pinned runtime dependencies, no extras.
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-index --find-links /wheels demeterrr-integrations
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --create-home \
       --shell /usr/sbin/nologin app
WORKDIR /app
# Static files are collected into the image (hashed, compressed) and served by the app itself.
# SECRET_KEY here is a build-time placeholder: the settings refuse to load without one, and
# collectstatic signs nothing. The real key comes from the environment at run time.
RUN SECRET_KEY=collectstatic-build-time-placeholder DEBUG=false \
    demeterrr-manage collectstatic --noinput -v 1
USER app
EXPOSE 8000
# The web process by default; the same command as the Procfile's `web` line.
CMD ["sh", "-c", "exec gunicorn host.wsgi:application --bind 0.0.0.0:${PORT:-8000} --workers ${WEB_CONCURRENCY:-3} --threads ${WEB_THREADS:-4} --timeout ${WEB_TIMEOUT:-120} --graceful-timeout 25 --logger-class host.gunicorn_logging.RedactingLogger --access-logfile - --access-logformat '%({host}i)s %(h)s %({x-forwarded-for}i)s \"%(m)s %(U)s %(H)s\" %(s)s %(b)s %(M)sms'"]
