"""gunicorn settings for Buurtstem: ``gunicorn -c python:voting.gunicorn_conf
'voting:create_app()'`` (add ``--workers``/``--bind`` as needed).

The access log goes to standard output through :class:`voting.server_logging.
PrivateAccessLogger`: no lines for the voting pages or the receipt check, and no client
address on any line, so the log cannot tie a resident (or their address) to the
moment they voted.
"""

from voting.server_logging import ACCESS_LOG_FORMAT

logger_class = "voting.server_logging.PrivateAccessLogger"
accesslog = "-"
access_log_format = ACCESS_LOG_FORMAT
# Letters for a whole town stream for a while (see the README); a sync worker may finish.
timeout = 120
