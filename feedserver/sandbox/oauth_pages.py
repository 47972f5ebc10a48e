"""HTML for the authorize step: the consent page and its error page.

Canvas's consent page says "<App> is requesting access to your account."
with Authorize and Cancel.  The sandbox has no passwords, so a user picker
(`<select name="user_id">`) stands in for Canvas's login form.  Every
interpolated value is HTML-escaped.
"""

from __future__ import annotations

from html import escape

from .world import User

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}"
    "button{font-size:1rem;padding:.5rem 1.25rem;margin-right:.5rem}"
    "select{font-size:1rem;padding:.25rem;width:100%}"
    ".sandbox{color:#555;font-size:.85rem;border-top:1px solid #ddd;margin-top:2rem}"
)


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}</body></html>"
    )


def consent_page(*, app_name: str, school_name: str, users: list[User],
                 selected_user_id: int | None, pending_id: str, scopes: list[str],
                 purpose: str | None) -> str:
    options = "".join(
        f'<option value="{u.id}"{" selected" if u.id == selected_user_id else ""}>'
        f"{escape(u.name)} ({escape(u.login_id)})</option>"
        for u in users
    )
    scope_list = (
        "<p>It asks for:</p><ul>" + "".join(f"<li><code>{escape(s)}</code></li>" for s in scopes)
        + "</ul>"
        if scopes else ""
    )
    purpose_line = f"<p>Purpose: {escape(purpose)}</p>" if purpose else ""
    body = (
        f"<h1>{escape(school_name)}</h1>"
        f"<p><strong>{escape(app_name)}</strong> is requesting access to your account.</p>"
        f"{purpose_line}{scope_list}"
        '<form method="post" action="/login/oauth2/confirm">'
        f'<input type="hidden" name="pending" value="{escape(pending_id)}">'
        '<p><label for="user_id">Log in as</label><br>'
        f'<select id="user_id" name="user_id">{options}</select></p>'
        '<p><button type="submit" name="action" value="authorize">Authorize</button>'
        '<button type="submit" name="action" value="cancel">Cancel</button></p>'
        "</form>"
        '<p class="sandbox">Canvas sandbox: no passwords; pick any user of this school.</p>'
    )
    return _page(f"Authorize {app_name}", body)


def error_page(title: str, message: str) -> str:
    return _page(title, f"<h1>{escape(title)}</h1><p>{escape(message)}</p>")
