FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY . .
# Editable, like development: templates/, static/ and locale/ are read from the source tree.
RUN pip install --no-cache-dir -e . \
 && BANGFU_MODE=embedded python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "--config", "gunicorn.conf.py", "bangfu.wsgi:application"]
