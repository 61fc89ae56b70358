"""The operators' page; registered only when an admin token is configured."""

from flask import Blueprint, render_template

bp = Blueprint("admin", __name__)


@bp.route("/admin")
def operations():
    """The live operations page; it asks for the token itself and sends it only over `/admin`."""
    return render_template("admin.html"), {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
