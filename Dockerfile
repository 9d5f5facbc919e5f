FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
RUN useradd --create-home --uid 10001 boardsvc
WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY core ./core
COPY cases ./cases
COPY boardsvc ./boardsvc
COPY scheduling ./scheduling
COPY locale ./locale
COPY manage.py ./
RUN pip install . && mkdir -p /app/var && chown boardsvc /app/var
USER boardsvc
ENV DJANGO_SETTINGS_MODULE=config.settings.production BOARDSVC_VAR_DIR=/app/var
RUN DJANGO_SECRET_KEY=collectstatic-only DATABASE_URL=postgres://x@localhost/x \
    python manage.py collectstatic --noinput -v0
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--worker-class", "gthread", "--workers", "2", "--threads", "4", "--timeout", "30"]
