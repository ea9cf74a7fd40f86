# syntax=docker/dockerfile:1
# The shop's image: gunicorn serving config.wsgi (the default command) or, with
# `python manage.py run_worker`, the task worker; the same image runs the migrations.

ARG PYTHON_VERSION=3.12

# --- build: the dependencies, in a virtual environment copied whole into the runtime ---------
FROM python:${PYTHON_VERSION}-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
# Only what installing needs, so a code change does not reinstall the dependencies. Every file
# is checked against the lock's hashes: the image gets exactly the versions CI tested. The
# image's own pip is used as it is, as an unpinned upgrade would be the one unchecked download.
COPY requirements/main.txt requirements/main.txt
RUN pip install --require-hashes -r requirements/main.txt
# The project itself for its metadata (the version /health/ shows), built by the locked
# setuptools without fetching anything.
COPY pyproject.toml README.md ./
RUN pip install --no-deps --no-build-isolation .

# --- runtime -----------------------------------------------------------------------------------
FROM python:${PYTHON_VERSION}-slim AS runtime
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings.base \
    PORT=8000
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --shell /usr/sbin/nologin app
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
# Owned by root and read-only to the app's user.
COPY . .
# Static files hashed and compressed into the image, under the production settings. The key
# and hosts exist for this command only; the running container must be given its own.
RUN SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput
USER 10001:10001
EXPOSE 8000
# /liveness/ checks only the process itself; no curl in a slim image, so Python asks.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/liveness/\", timeout=3)"]
# gunicorn finishes the requests in flight on SIGTERM (graceful_timeout), then exits.
STOPSIGNAL SIGTERM
CMD ["gunicorn", "--config", "config/gunicorn.py"]
