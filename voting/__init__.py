"""Buurtstem's web app: residents vote, organisers submit, clerks run the count."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from flask import Flask, redirect, render_template, request, session, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.middleware.proxy_fix import ProxyFix

from ballots.model import min_spend_of
from voting import (
    bilingual,
    code_limits,
    db,
    formatting,
    page_parts,
    request_guard,
    safe_responses,
    template_gettext,
    theme_budgets,
    weighted,
)
from voting import config as settings
from voting.error_words import explain
from voting.extensions import LANGUAGES, babel, csrf, limiter, login_manager, select_locale
from voting.labels import BALLOT_TYPE_LABELS, ENCODING_LABELS, PHASE_LABELS, label, rule_label


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, overridden by ``config``.

    Raises :class:`voting.config.ConfigError` with a readable message when the
    settings cannot work (missing production secrets, bad ``DATABASE_URL``).
    """
    instance_path = (config or {}).get("INSTANCE_PATH")
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(settings.from_environment(app.instance_path))
    if config:
        app.config.update(config)
    settings.load_instance_secrets(app.instance_path, app.config)
    settings.check_secrets(app.instance_path, app.config)
    code_limits.configure_storage(app)
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=app.config["SESSION_MINUTES"])
    safe_responses.configure_cookies(app, config)
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "nl")
    # Residents read times on the clock of the town hall, not in UTC: one setting,
    # shared with the letters and everything else that formats (voting.formatting).
    app.config["BABEL_DEFAULT_TIMEZONE"] = formatting.TIME_ZONE_NAME
    app.config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", os.path.join(app.root_path, "translations")
    )

    if app.config.get("TRUSTED_PROXIES"):
        # Behind the municipality's reverse proxy every request would otherwise come
        # from the proxy's address: logs, staff login limits and code limits need the
        # resident's. Only as many hops as configured are trusted.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    # Before every blueprint: the bounded <int:...> converter must exist when rules are
    # added, and hostile characters are refused before any other hook reads the form.
    request_guard.init_app(app)
    safe_responses.init_app(app)
    # The session cookie is encrypted, not only signed (voting.session_cookie).
    from voting.session_cookie import EncryptedCookieSessionInterface

    app.session_interface = EncryptedCookieSessionInterface()
    db.init_app(app)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "admin.login"
    login_manager.login_message = None
    limiter.init_app(app)
    code_limits.after_limiter_init(app)
    babel.init_app(app, locale_selector=select_locale)
    template_gettext.init_app(app)
    page_parts.init_app(app)

    from voting import auth  # noqa: F401  (registers the user loader)
    from voting.admin.box_routes import bp as box_bp
    from voting.admin.count_routes import bp as count_bp
    from voting.admin.paper_routes import bp as paper_bp
    from voting.admin.roll_routes import bp as roll_bp
    from voting.admin.routes import bp as admin_bp
    from voting.admin.setup_routes import bp as setup_bp
    from voting.follow_up import retention_purges  # noqa: F401  (registers its purge)
    from voting.follow_up.admin_routes import bp as follow_up_admin_bp
    from voting.follow_up.routes import bp as follow_up_bp
    from voting.panels import retention as panel_retention  # noqa: F401  (registers its purge)
    from voting.panels.admin_routes import bp as panels_admin_bp
    from voting.panels.routes import bp as panels_bp
    from voting.processes import retention as process_retention  # noqa: F401  (its purge)
    from voting.proposals.routes import bp as proposals_bp
    from voting.results.routes import bp as results_bp
    from voting.vote.routes import bp as vote_bp

    app.register_blueprint(vote_bp)
    app.register_blueprint(proposals_bp, url_prefix="/voorstellen")
    app.register_blueprint(admin_bp, url_prefix="/beheer")
    app.register_blueprint(paper_bp, url_prefix="/beheer/papier")
    app.register_blueprint(count_bp, url_prefix="/beheer/telling")
    app.register_blueprint(box_bp, url_prefix="/beheer/stembus")
    app.register_blueprint(setup_bp, url_prefix="/beheer")
    app.register_blueprint(roll_bp, url_prefix="/beheer/verkiezing/<int:election_id>/kiezers")
    app.register_blueprint(results_bp, url_prefix="/uitslag")
    app.register_blueprint(follow_up_bp)
    app.register_blueprint(follow_up_admin_bp, url_prefix="/beheer")
    _register_staff_blueprints(app)
    app.register_blueprint(panels_bp)
    app.register_blueprint(panels_admin_bp, url_prefix="/beheer")
    _register_process_blueprints(app)
    _register_common(app)
    # After every blueprint: only then is it known that no blueprint has a limit.
    code_limits.drop_idle_request_check(app)

    from voting.cli import register_commands

    register_commands(app)
    return app


def _register_process_blueprints(app: Flask) -> None:
    """Processes (trajecten) with one letter for several stages (issue #13)."""
    from voting.processes.admin_routes import bp as processes_admin_bp
    from voting.processes.letter_routes import bp as process_letters_bp
    from voting.processes.routes import bp as processes_bp

    app.register_blueprint(processes_bp)
    app.register_blueprint(processes_admin_bp, url_prefix="/beheer")
    app.register_blueprint(process_letters_bp, url_prefix="/beheer")
    from voting.ideas.admin_routes import bp as ideas_admin_bp
    from voting.ideas.routes import bp as ideas_bp

    app.register_blueprint(ideas_bp)
    app.register_blueprint(ideas_admin_bp, url_prefix="/beheer")


def _register_staff_blueprints(app: Flask) -> None:
    """Staff accounts and the audit log page (issue 16)."""
    from voting.accounts.routes import bp as accounts_bp
    from voting.admin.audit_routes import bp as audit_log_bp
    from voting.admin.option_edit_routes import bp as option_edit_bp

    app.register_blueprint(accounts_bp, url_prefix="/beheer")
    app.register_blueprint(audit_log_bp, url_prefix="/beheer")
    app.register_blueprint(option_edit_bp, url_prefix="/beheer")
    from voting import theme

    theme.init_app(app)


def _register_common(app: Flask) -> None:
    @app.get("/taal/<lang>")
    def set_language(lang: str):  # type: ignore[no-untyped-def]
        """Switch the interface language and go back where the visitor was."""
        if lang in LANGUAGES:
            session["lang"] = lang
        # Only local paths: an open redirect would help phishing letters.
        return redirect(safe_responses.local_path(request.args.get("next"), url_for("vote.index")))

    # Every number, amount and date on a page goes through voting.formatting.
    app.add_template_filter(formatting.format_money, "money")
    app.add_template_filter(formatting.format_number, "number")
    app.add_template_filter(formatting.format_percent, "percent")
    app.add_template_filter(lambda amount, e: weighted.format_amount(e, amount), "split_amount")
    app.add_template_filter(weighted.total, "split_total")
    app.add_template_filter(theme_budgets.shown_pairs, "theme_budgets")
    app.add_template_filter(lambda e: min_spend_of(e.budget, e.min_spend_percent) or 0, "min_spend")
    app.add_template_filter(formatting.format_moment, "moment")
    app.add_template_filter(formatting.format_day, "day")
    # Election texts in the page's language, Dutch ones marked lang="nl".
    app.add_template_filter(bilingual.text_of, "text")
    app.add_template_filter(bilingual.lang_attr, "lang_attr")
    app.add_template_filter(bilingual.marked, "marked")
    app.add_template_global(bilingual.dutch_attr, "dutch_attr")
    app.add_template_filter(lambda code: label(PHASE_LABELS, code), "phase_label")
    app.add_template_filter(rule_label, "rule_label")
    app.add_template_filter(lambda code: label(ENCODING_LABELS, code), "encoding_label")
    app.add_template_filter(explain, "explain")
    app.add_template_filter(lambda code: label(BALLOT_TYPE_LABELS, code), "ballot_type_label")

    @app.get("/favicon.ico")
    def favicon():  # type: ignore[no-untyped-def]
        """Browsers ask for /favicon.ico whatever the page says; send them the SVG."""
        return redirect(url_for("static", filename="favicon.svg"), 301)

    @app.context_processor
    def inject_common() -> dict[str, Any]:
        return {
            "current_lang": select_locale(),
            "municipality": app.config["MUNICIPALITY"],
        }

    for status, title in (
        (400, _l("Verzoek niet begrepen")),
        (403, _l("Geen toegang")),
        (404, _l("Pagina niet gevonden")),
        (405, _l("Dat kan zo niet")),
        (429, _l("Te veel pogingen")),
        (500, _l("Er ging iets mis")),
    ):
        app.register_error_handler(status, _error_page(status, title))


ERROR_HELP = {
    400: _l("Het formulier was niet compleet of verlopen. Ga terug en probeer het opnieuw."),
    403: _l("U heeft geen toegang tot deze pagina."),
    404: _l("Deze pagina bestaat niet (meer). Controleer het adres of ga naar de beginpagina."),
    405: _l("Deze pagina kan zo niet worden gebruikt. Ga terug en probeer het opnieuw."),
    429: _l("U heeft het te vaak geprobeerd. Wacht even en probeer het dan opnieuw."),
    500: _l("Probeer het later nog eens. Lukt het niet, bel dan de gemeente."),
}


def _error_page(status: int, title: str):  # type: ignore[no-untyped-def]
    def handler(error):  # type: ignore[no-untyped-def]
        # Werkzeug's stock descriptions are English; only our own messages are shown.
        description = getattr(error, "description", "") or ""
        if status == 500 or description == getattr(type(error), "description", None):
            description = str(ERROR_HELP[status])
        return (
            render_template("error.html", status=status, title=str(title), description=description),
            status,
        )

    return handler
