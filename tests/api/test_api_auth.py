"""Sign-in: the password flow, the rate limit, the login page's cookie, the CLI."""

from __future__ import annotations

import subprocess
import sys

from apidata import PASSWORD


def test_password_flow_and_rate_limit(client) -> None:
    ok = client.post("/auth/token", data={"username": "insp_a", "password": PASSWORD})
    assert ok.status_code == 200 and ok.json()["token_type"] == "bearer"
    me = client.get("/auth/me", headers={"Authorization": "Bearer " + ok.json()["access_token"]})
    assert me.json() == {"username": "insp_a", "role": "inspector", "team": "A",
                         "township_id": None}
    codes = [client.post("/auth/token", data={"username": "insp_a", "password": "wrong!!!"}
                         ).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]  # settings.login_attempts = 3
    blocked = client.post("/auth/token", data={"username": "insp_a", "password": PASSWORD})
    assert blocked.status_code == 429 and int(blocked.headers["retry-after"]) > 0
    other = client.post("/auth/token", data={"username": "admin", "password": PASSWORD})
    assert other.status_code == 200


def test_login_page_cookie_opens_pages(client) -> None:
    assert client.get("/planner", follow_redirects=False).headers["location"].startswith(
        "/login")
    r = client.post("/auth/login", data={"username": "planner", "password": PASSWORD,
                                         "next": "/planner"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/planner"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = client.get("/planner")
    assert page.status_code == 200 and "<html" in page.text.lower()
    # cacheable by content (issue 15): revalidated, never stored when it holds a secret
    assert page.headers["cache-control"] == "private, no-cache" and page.headers["etag"]


def test_cli_users_add_from_stdin(tmp_path) -> None:
    db = tmp_path / "cli.gpkg"
    run = subprocess.run([sys.executable, "-m", "api.cli", "users", "add", "li", "--role",
                          "inspector", "--team", "A", "--db", str(db)],
                         input="a long password\n", text=True, capture_output=True, check=False)
    assert run.returncode == 0, run.stderr
    from api.services.users import authenticate
    from layers.store import open_store

    user = authenticate(open_store(str(db)), username="li", password="a long password")
    assert user is not None and user.team == "A"
    bad = subprocess.run([sys.executable, "-m", "api.cli", "users", "add", "x", "--role",
                          "inspector", "--db", str(db)], input="short\n", text=True,
                         capture_output=True, check=False)
    assert bad.returncode == 2 and "team" in bad.stderr
