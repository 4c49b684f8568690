# silkhall server image. Build: `docker build -t silkhall .`
# Run one node: `docker run -p 8080:8080 -v silkhall-data:/data silkhall`
# A cluster with Redis and coturn: compose.yaml and docs/deploy.md.
FROM python:3.11-slim

# The av (PyAV) wheel bundles FFmpeg with Opus and libvpx, which aiortc encodes
# and decodes through, so no codec or ffmpeg packages are needed. PortAudio is
# for `silkhall venue` / `silkhall devices` (sounddevice loads it when used).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libportaudio2 \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Only the packages: no tests, virtualenvs or data directories in the image.
WORKDIR /src
COPY pyproject.toml README* ./
COPY server ./server
COPY client ./client
COPY interpretation ./interpretation
COPY agenda ./agenda
COPY recordings ./recordings
RUN pip install . && rm -rf /src

# Durable data (SQLite, the token secret unless SILKHALL_SECRET is set,
# recordings) lives in /data, owned by an unprivileged user.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin silkhall \
    && mkdir -p /data \
    && chown silkhall:silkhall /data
USER silkhall
WORKDIR /data
VOLUME /data

EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

ENTRYPOINT ["silkhall"]
CMD ["serve", "--host", "0.0.0.0", "--data-dir", "/data"]
