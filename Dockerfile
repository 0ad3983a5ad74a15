# syntax=docker/dockerfile:1
# xunqin-locator: the FastAPI service with the bundled sample dataset. See docs/container.md.
#
#   docker build -t xunqin-locator .
#   docker run --rm -p 8000:8000 xunqin-locator
#
# BASE_IMAGE must provide python3 (3.11+, with the venv module), sh and useradd, laid out like
# the official python:3.11-slim-bookworm image used in production. Machines that cannot pull it
# pass a locally made one (scripts/build_image.sh does): --build-arg BASE_IMAGE=localhost/...
ARG BASE_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------------
# builder: a virtualenv holding the runtime dependencies of pyproject.toml, nothing else.
FROM ${BASE_IMAGE} AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

WORKDIR /build
COPY pyproject.toml ./

# Only [project].dependencies (no test or sample extras). The project's own packages are not
# pip-installed: their data files (app/static, data/boundaries) are found next to the source,
# so the source tree is copied into the final image as it is (below).
# The optional build secret `pip_ca` is a CA bundle for networks that intercept TLS:
#   docker build --secret id=pip_ca,src=/etc/ssl/certs/ca-certificates.crt .
RUN --mount=type=secret,id=pip_ca \
    if [ -s /run/secrets/pip_ca ]; then export PIP_CERT=/run/secrets/pip_ca; fi \
    && python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' > requirements.txt \
    && python3 -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --requirement requirements.txt \
    && /opt/venv/bin/pip check \
    && /opt/venv/bin/pip uninstall --yes setuptools pip

# ---------------------------------------------------------------------------------------------
# final: the base image plus the venv, the source and the sample dataset. No compilers, no
# package manager runs here, no pip in the venv.
FROM ${BASE_IMAGE}

LABEL org.opencontainers.image.title="xunqin-locator" \
      org.opencontainers.image.description="Nearest free police DNA blood-collection point (免费采血点) lookup" \
      org.opencontainers.image.licenses="MIT"

# The service only reads its data: everything stays root-owned and the process runs as 10001.
RUN groupadd --gid 10001 xunqin \
    && useradd --uid 10001 --gid xunqin --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin xunqin \
    && mkdir -p /data

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
COPY app/ /app/app/
COPY geo/ /app/geo/
COPY data/ /app/data/
# Ops can build a dataset with the same image, into the mounted volume:
#   docker run --rm -v /srv/xunqin/data:/data xunqin-locator \
#     python3 scripts/build_index.py /data/source/list.xlsx --data-dir /data
COPY scripts/build_index.py /app/scripts/build_index.py
RUN python3 -m compileall -q /app/app /app/geo /app/scripts

# XUNQIN_DATA_DIR holds published/CURRENT and published/<version>/ (the bundled sample by
# default). To serve a published dataset, mount it at /data and point XUNQIN_DATA_DIR there:
#   docker run -v /srv/xunqin/data:/data:ro -e XUNQIN_DATA_DIR=/data ...
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    XUNQIN_DATA_DIR=/app/data \
    WEB_CONCURRENCY=1 \
    FORWARDED_ALLOW_IPS=127.0.0.1 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/xunqin-metrics
VOLUME ["/data"]

USER 10001:10001
EXPOSE 8000

# Liveness only (the process answers HTTP); /readyz says whether a dataset is loaded.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]

# The production command of the README, with the container's port. uvicorn stops on SIGTERM:
# it stops accepting, lets requests in flight finish for up to --timeout-graceful-shutdown
# seconds (below Docker's default 10 s stop timeout), then exits. `exec` makes uvicorn PID 1
# so it receives the signal; sh expands the variables and empties the metrics directory
# (prometheus_client's multiprocess mode needs an empty one at start; /tmp may be an emptyDir).
# FORWARDED_ALLOW_IPS: the reverse proxy's addresses or CIDR, trusted for X-Forwarded-For.
STOPSIGNAL SIGTERM
CMD ["sh", "-c", "if [ -n \"$PROMETHEUS_MULTIPROC_DIR\" ]; then rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\"; fi; exec uvicorn --factory app.main:create_app --host 0.0.0.0 --port 8000 --workers \"${WEB_CONCURRENCY:-1}\" --proxy-headers --forwarded-allow-ips \"$FORWARDED_ALLOW_IPS\" --timeout-keep-alive 30 --timeout-graceful-shutdown 8 --timeout-worker-healthcheck 60 --limit-concurrency 1024 --backlog 2048 --no-access-log"]
