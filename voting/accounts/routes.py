"""Account pages: the second login step and enrolment, one's own account, the links
that set a password, and the admin's list of staff.

Only admins manage accounts; everyone logged in manages their own password and
second factor. Every change is audit-logged by ``voting.staff_accounts``.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug import Response

from voting import audit, db, staff_accounts, staff_login, staff_sessions, two_factor
from voting.accounts.forms import (
    ActionForm,
    ChangePasswordForm,
    CodeForm,
    ConfirmPasswordForm,
    EnrolForm,
    InviteForm,
    NewPasswordForm,
    SettingsForm,
)
from voting.auth import actor_name, role_required
from voting.extensions import limiter
from voting.models import StaffToken, StaffUser, utcnow

bp = Blueprint("accounts", __name__)

_code_limit = limiter.limit(
    staff_login.code_limit,
    key_func=staff_login.pending_account_key,
    methods=["POST"],
    deduct_when=staff_login.failed_try,
    error_message=staff_login.locked_message,
)


def _home(user: StaffUser) -> str:
    return url_for("proposals.mine") if user.role == "organiser" else url_for("admin.dashboard")


# --- the second login step ---------------------------------------------------------------


@bp.route("/inloggen/code", methods=["GET", "POST"])
@_code_limit
def login_code() -> str | Response | tuple[str, int]:
    """Login step two: a code from the authenticator app, or a recovery code (used up)."""
    user = staff_login.pending_user()
    if user is None or not user.has_two_factor:
        flash(_("Log opnieuw in: de inlogpoging is verlopen."), "error")
        return redirect(url_for("admin.login"))
    form = CodeForm()
    if form.validate_on_submit():
        session = db.session()
        typed = form.code.data or ""
        if two_factor.verify_totp(user, typed):
            staff_login.finish(user, "totp")
            return redirect(_home(user))
        if two_factor.use_recovery_code(session, user, typed):
            staff_login.finish(user, "recovery_code")
            left = two_factor.recovery_codes_left(session, user)
            flash(
                _(
                    "U bent ingelogd met een herstelcode. U heeft nog %(n)d herstelcodes.",
                    n=left,
                ),
                "info",
            )
            return redirect(url_for("accounts.me"))
        staff_login.mark_failed()
        flash(_("Deze code klopt niet. Kijk of de tijd op uw telefoon goed staat."), "error")
        return render_template("accounts/login_code.html", form=form), 401
    return render_template(
        "accounts/login_code.html", form=form
    ), 400 if form.is_submitted() else 200


def _enrolling_user() -> StaffUser | None:
    if current_user.is_authenticated:
        return db.session().get(StaffUser, current_user.id)
    return staff_login.pending_user()


@bp.route("/tweestaps", methods=["GET", "POST"])
@_code_limit
def enrol() -> str | Response | tuple[str, int]:
    """Set up an authenticator app: scan the QR code (made here, no outside service),
    confirm with its first code, get ten recovery codes. Reached logged in from one's
    account, or straight after the password when an admin requires it."""
    user = _enrolling_user()
    if user is None:
        return redirect(url_for("admin.login"))
    if user.has_two_factor:
        flash(_("Tweestapsverificatie staat al aan."), "info")
        return redirect(url_for("accounts.me"))
    session = db.session()
    if user.totp_secret is None:
        user.totp_secret = two_factor.new_secret()
        session.commit()
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        if two_factor.verify_totp(user, form.code.data or ""):
            user.totp_confirmed_at = utcnow()
            codes = two_factor.new_recovery_codes(session, user)
            audit.record(session, user.username, "staff.two_factor_on")
            if current_user.is_authenticated:
                session.commit()
            else:
                staff_login.finish(user, "password+enrol")
            return render_template("accounts/recovery_codes.html", codes=codes, home=_home(user))
        staff_login.mark_failed()
        form.code.errors = [_("Deze code klopt niet. Probeer de code die de app nu toont.")]
        status = 400
    elif form.is_submitted():
        status = 400
    uri = two_factor.provisioning_uri(user, current_app.config["MUNICIPALITY"])
    return render_template(
        "accounts/enrol.html",
        form=form,
        qr=two_factor.qr_data_uri(uri),
        secret=user.totp_secret,
        forced=not current_user.is_authenticated,
    ), status


# --- one's own account --------------------------------------------------------------------


@bp.get("/account")
@login_required
def me() -> str:
    """One's own account: change the password, the second factor, recovery codes."""
    session = db.session()
    return render_template(
        "accounts/me.html",
        password_form=ChangePasswordForm(),
        confirm_form=ConfirmPasswordForm(),
        codes_left=two_factor.recovery_codes_left(session, current_user),
        required=staff_accounts.role_requires_two_factor(session, current_user.role),
    )


@bp.post("/account/wachtwoord")
@login_required
def change_password() -> str | Response | tuple[str, int]:
    """Change one's own password; other sessions of the account end."""
    form = ChangePasswordForm()
    session = db.session()
    if form.validate_on_submit():
        try:
            staff_accounts.change_password(
                session,
                current_user,
                form.current.data or "",
                form.password.data or "",
                keep_token=staff_login.current_token(),
            )
        except staff_accounts.AccountError as error:
            session.rollback()
            form.password.errors = [str(error)]
        else:
            session.commit()
            flash(_("Uw wachtwoord is gewijzigd."), "success")
            return redirect(url_for("accounts.me"))
    return render_template(
        "accounts/me.html",
        password_form=form,
        confirm_form=ConfirmPasswordForm(),
        codes_left=two_factor.recovery_codes_left(session, current_user),
        required=staff_accounts.role_requires_two_factor(session, current_user.role),
    ), 400


def _password_confirmed() -> bool:
    form = ConfirmPasswordForm()
    if form.validate_on_submit() and current_user.check_password(form.current.data or ""):
        return True
    flash(_("Uw huidige wachtwoord klopt niet."), "error")
    return False


@bp.post("/account/herstelcodes")
@login_required
def new_codes() -> str | Response:
    """Ten new recovery codes (the old ones stop working), after the password."""
    if not current_user.has_two_factor:
        abort(404)
    if not _password_confirmed():
        return redirect(url_for("accounts.me"))
    session = db.session()
    codes = two_factor.new_recovery_codes(session, current_user)
    audit.record(session, current_user.username, "staff.recovery_codes_new")
    session.commit()
    return render_template("accounts/recovery_codes.html", codes=codes, home=url_for("accounts.me"))


@bp.post("/account/tweestaps-uit")
@login_required
def turn_off() -> Response:
    """Turn one's own second factor off, unless an admin requires it."""
    session = db.session()
    if staff_accounts.role_requires_two_factor(session, current_user.role):
        flash(_("Tweestapsverificatie is verplicht voor uw rol en blijft aan."), "error")
        return redirect(url_for("accounts.me"))
    if not _password_confirmed():
        return redirect(url_for("accounts.me"))
    two_factor.turn_off(session, current_user)
    audit.record(session, current_user.username, "staff.two_factor_off")
    session.commit()
    flash(_("Tweestapsverificatie staat uit."), "success")
    return redirect(url_for("accounts.me"))


# --- links that set a password ------------------------------------------------------------


@bp.route("/wachtwoord/<token>", methods=["GET", "POST"])
@limiter.limit("20 per minute", methods=["POST"])
def accept(token: str) -> str | Response | tuple[str, int]:
    """Choose a password through an invitation or reset link (works once, expires)."""
    session = db.session()
    link = staff_accounts.find_link(session, token)
    if link is None:
        return render_template("accounts/link_invalid.html"), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = staff_accounts.use_link(session, link, form.password.data or "")
        except staff_accounts.AccountError as error:
            session.rollback()
            form.password.errors = [str(error)]
        else:
            session.commit()
            if current_user.is_authenticated:
                staff_login.log_out()
            flash(
                _("Uw wachtwoord is opgeslagen. Log nu in als %(name)s.", name=user.username),
                "success",
            )
            return redirect(url_for("admin.login"))
    return render_template("accounts/accept.html", form=form, link=link), (
        400 if form.is_submitted() else 200
    )


# --- the admin's list of staff ------------------------------------------------------------


def _staff_page(invite_form: InviteForm | None = None, status: int = 200) -> tuple[str, int]:
    session = db.session()
    users = session.scalars(select(StaffUser).order_by(StaffUser.role, StaffUser.username)).all()
    pending = {
        row.user_id
        for row in session.scalars(
            select(StaffToken).where(StaffToken.used_at.is_(None), StaffToken.expires_at > utcnow())
        )
    }
    settings = SettingsForm(require_two_factor=staff_accounts.two_factor_required(session))
    return render_template(
        "accounts/staff.html",
        users=users,
        pending=pending,
        invite_form=invite_form or InviteForm(),
        settings_form=settings,
        action=ActionForm(),
        open_sessions={u.id: staff_sessions.open_count(session, u.id) for u in users},
    ), status


@bp.get("/medewerkers")
@role_required("admin")
def staff() -> tuple[str, int]:
    """Every staff account with its role, state and second factor."""
    return _staff_page()


def _link_page(user: StaffUser, token: str, purpose: str) -> str:
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    link = base + url_for("accounts.accept", token=token)
    return render_template(
        "accounts/link.html",
        user=user,
        link=link,
        purpose=purpose,
        hours=current_app.config["ACCOUNT_LINK_HOURS"],
    )


@bp.post("/medewerkers/uitnodigen")
@role_required("admin")
def invite() -> str | tuple[str, int]:
    """Invite a new clerk, organiser or admin: the link is shown once, to pass on."""
    form = InviteForm()
    if not form.validate_on_submit():
        return _staff_page(form, 400)
    session = db.session()
    try:
        user, token = staff_accounts.invite(
            session,
            username=form.username.data or "",
            display_name=form.display_name.data or "",
            role=form.role.data or "clerk",
            actor=actor_name(),
        )
    except staff_accounts.AccountError as error:
        session.rollback()
        form.username.errors = [str(error)]
        return _staff_page(form, 409)
    session.commit()
    return _link_page(user, token, "invite")


def _user(user_id: int) -> StaffUser:
    user = db.session().get(StaffUser, user_id)
    if user is None:
        abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    return user


@bp.post("/medewerkers/<int:user_id>/wachtwoord-link")
@role_required("admin")
def reset(user_id: int) -> str:
    """A new one-time link for a user who forgot their password."""
    user = _user(user_id)
    session = db.session()
    token = staff_accounts.reset_link(session, user, actor=actor_name())
    session.commit()
    return _link_page(user, token, "reset")


@bp.post("/medewerkers/<int:user_id>/actief")
@role_required("admin")
def set_active(user_id: int) -> Response:
    """Disable an account (its sessions end at once) or enable it again."""
    user = _user(user_id)
    session = db.session()
    try:
        staff_accounts.set_active(session, user, not user.active, actor=actor_name())
    except staff_accounts.AccountError as error:
        session.rollback()
        flash(str(error), "error")
        return redirect(url_for("accounts.staff"))
    session.commit()
    if user.active:
        flash(_("Het account van %(name)s staat weer aan.", name=user.username), "success")
    else:
        flash(_("Het account van %(name)s staat uit.", name=user.username), "success")
    return redirect(url_for("accounts.staff"))


@bp.post("/medewerkers/<int:user_id>/tweestaps-uit")
@role_required("admin")
def reset_two_factor(user_id: int) -> Response:
    """For a user who lost both phone and recovery codes: they enrol again at the next
    login (when it is required) or from their account page."""
    user = _user(user_id)
    session = db.session()
    two_factor.turn_off(session, user)
    staff_sessions.end_all(session, user.id, "two_factor_reset")
    audit.record(session, actor_name(), "staff.two_factor_reset", username=user.username)
    session.commit()
    flash(_("Tweestapsverificatie van %(name)s is gewist.", name=user.username), "success")
    return redirect(url_for("accounts.staff"))


@bp.post("/medewerkers/instellingen")
@role_required("admin")
def settings() -> Response:
    """Require a second factor for every clerk and admin (or not)."""
    form = SettingsForm()
    if not form.validate_on_submit():
        abort(400)
    session = db.session()
    staff_accounts.set_two_factor_required(
        session, bool(form.require_two_factor.data), actor=actor_name()
    )
    session.commit()
    flash(_("De instelling is opgeslagen."), "success")
    return redirect(url_for("accounts.staff"))
