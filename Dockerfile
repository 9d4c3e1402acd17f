# The bot, the VK bot, the worker and the operator commands: one image, one entry point.
# Installs exactly what uv.lock pins (hashes checked); uv itself is pinned by hash too.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1 \
    PATH=/app/.venv/bin:$PATH

WORKDIR /app
COPY scripts/uv-requirements.txt ./scripts/
RUN pip install --require-hashes --only-binary :all: -r scripts/uv-requirements.txt
# the dependencies alone first, so a code change does not reinstall them
COPY pyproject.toml uv.lock README.md alembic.ini ./
RUN uv sync --locked --no-install-project
COPY core ./core
COPY bot ./bot
COPY locales ./locales
RUN uv sync --locked --no-editable \
    && useradd --create-home --uid 10001 bot
USER bot

EXPOSE 8080 8081
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]
